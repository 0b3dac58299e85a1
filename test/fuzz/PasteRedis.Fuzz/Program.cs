using PasteRedis.Fuzz;
using SharpFuzz;

// AFL++ drives this process (scripts/fuzz.sh); with a file argument it runs that one input (reproducing a crash).
if (args.Length == 1)
{
    Console.WriteLine($"{FuzzTarget.Run(File.ReadAllBytes(args[0]))} commands executed");
    return;
}
Fuzzer.OutOfProcess.Run(stream =>
{
    using var buffer = new MemoryStream();
    stream.CopyTo(buffer);
    FuzzTarget.Run(buffer.ToArray());
});
