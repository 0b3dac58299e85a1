using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using PasteRedis.Resp;
using PasteRedis.Server;
using PasteRedis.Server.Configuration;
using PasteRedis.Server.Connections;
using PasteRedis.Server.Memory;

namespace PasteRedis.Benchmarks;

/// <summary>
/// The request hot path without the socket: parse one frame, look the command up,
/// execute it against the keyspace and write the reply into the connection's output
/// pipe. Frames sit in a packet buffer of a real region (on /dev/shm), as received
/// bytes do, so SET takes zero-copy references. Must show 0 B allocated per operation.
/// </summary>
[MemoryDiagnoser]
public class DispatchBenchmarks
{
    private PasteMemory _memory = null!;
    private string _dir = null!;
    private readonly Pipe _output = new(new PipeOptions(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline, useSynchronizationContext: false));
    private readonly Pipe _input = new();
    private ClientSession _session = null!;
    private ReadOnlyMemory<byte> _get, _set64, _set1k;
    private readonly RespRequest _request = new();

    [GlobalSetup]
    public void Setup()
    {
        _dir = ScratchDir.Create("pasteredis-bench");
        var config = new ServerConfig();
        config.TrySet("dir", _dir, atStartup: true);
        config.TrySet("pbuf-memory", "64mb", atStartup: true);
        _memory = PasteMemory.Open(config, NullLogger.Instance);
        var server = new RedisServer(config, NullLogger.Instance, _memory);
        _session = new ClientSession(server, new DuplexPipe(_input.Reader, _output.Writer), null, null);
        // All three frames in one packet buffer, as a pipelined batch would arrive.
        var buffer = _memory.Pool.Rent();
        int at = 0;
        _get = Place(buffer.Memory, ref at, Frame("GET", "key:000001", null));
        _set64 = Place(buffer.Memory, ref at, Frame("SET", "key:000001", new string('v', 64)));
        _set1k = Place(buffer.Memory, ref at, Frame("SET", "key:000002", new string('w', 1024)));
        Run(_set64);
        Run(_set1k);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _memory.Dispose();
        Directory.Delete(_dir, true);
    }

    private static ReadOnlyMemory<byte> Place(Memory<byte> buffer, ref int at, byte[] frame)
    {
        frame.CopyTo(buffer[at..]);
        var placed = buffer.Slice(at, frame.Length);
        at += frame.Length;
        return placed;
    }

    private static byte[] Frame(string cmd, string key, string? value) => Encoding.ASCII.GetBytes(value == null
        ? $"*2\r\n${cmd.Length}\r\n{cmd}\r\n${key.Length}\r\n{key}\r\n"
        : $"*3\r\n${cmd.Length}\r\n{cmd}\r\n${key.Length}\r\n{key}\r\n${value.Length}\r\n{value}\r\n");

    private void Run(ReadOnlyMemory<byte> frame)
    {
        var seq = new ReadOnlySequence<byte>(frame);
        _session.ProcessBatch(ref seq, inputCompleted: false);
        _output.Writer.FlushAsync().GetAwaiter().GetResult();
        _output.Reader.TryRead(out var result);
        _output.Reader.AdvanceTo(result.Buffer.End);
    }

    [Benchmark]
    public long ParseGet()
    {
        var seq = new ReadOnlySequence<byte>(_get);
        RespReader.TryParse(ref seq, _request, RespLimits.Default, true, out _);
        return _request.Count;
    }

    [Benchmark] public void Get() => Run(_get);
    [Benchmark] public void Set64() => Run(_set64);
    [Benchmark] public void Set1K() => Run(_set1k);

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input => input;
        public PipeWriter Output => output;
    }
}
