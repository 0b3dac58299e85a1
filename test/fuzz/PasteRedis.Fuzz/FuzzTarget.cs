using System.Buffers;
using Microsoft.Extensions.Logging.Abstractions;
using PasteRedis.Resp;
using PasteRedis.Server;
using PasteRedis.Server.Configuration;
using PasteRedis.Server.Connections;

namespace PasteRedis.Fuzz;

/// <summary>
/// One fuzz input through the protocol reader and the command layer: the bytes are split
/// into receive segments where the input says, parsed frame by frame with Redis's limits,
/// and every complete frame is executed against a fresh in-memory server. Any exception
/// that escapes is a bug (the server would drop the connection and log it as one).
/// Shared by the fuzzer (Program.cs) and the regression tests that replay the corpus and
/// every crash it found (test/PasteRedis.Tests/Protocol/FuzzRegressionTests.cs).
/// </summary>
public static class FuzzTarget
{
    /// <summary>Runs one input; returns how many commands the server executed.</summary>
    public static long Run(byte[] input)
    {
        if (input.Length == 0) return 0;
        // The first byte chooses where the bytes are split, so frames straddle segments.
        int split = 1 + input[0] % Math.Max(1, input.Length - 1);
        var data = input.AsMemory(1);
        var sequence = split < data.Length ? Segments.Of(data[..split], data[split..]) : new ReadOnlySequence<byte>(data);

        // The reader alone, as an unauthenticated client (tighter limits) and as an authenticated one.
        foreach (bool authenticated in new[] { false, true })
        {
            var request = new RespRequest();
            var rest = sequence;
            while (RespReader.TryParse(ref rest, request, new RespLimits(1024 * 1024), authenticated, out _) == RespParseStatus.Complete)
            {
                for (int i = 0; i < request.Count; i++) _ = request.Arg(i).Length;
                request.Release();
            }
        }

        // The command layer: every complete frame, executed.
        var config = new ServerConfig();
        config.TrySet("proto-max-bulk-len", "1mb", atStartup: true);
        config.TrySet("databases", "4", atStartup: true);
        var server = new RedisServer(config, NullLogger.Instance);
        var session = ClientSession.ForImport(server);
        lock (server.ExecLock) session.Apply(sequence, null);
        return server.Stats.CommandsProcessed;
    }

    private sealed class Segments : ReadOnlySequenceSegment<byte>
    {
        public static ReadOnlySequence<byte> Of(ReadOnlyMemory<byte> a, ReadOnlyMemory<byte> b)
        {
            var first = new Segments { Memory = a };
            var second = new Segments { Memory = b, RunningIndex = a.Length };
            first.Next = second;
            return new ReadOnlySequence<byte>(first, 0, second, b.Length);
        }
    }
}
