using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using PasteRedis.Resp;
using PasteRedis.Server;
using PasteRedis.Server.Configuration;
using PasteRedis.Server.Connections;

namespace PasteRedis.Benchmarks;

/// <summary>
/// The request hot path without the socket: parse one frame, look the command up,
/// execute it against the keyspace and write the reply into the connection's output
/// pipe. Must show 0 B allocated per operation.
/// </summary>
[MemoryDiagnoser]
public class DispatchBenchmarks
{
    private readonly Pipe _output = new(new PipeOptions(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline, useSynchronizationContext: false));
    private readonly Pipe _input = new();
    private ClientSession _session = null!;
    private byte[] _get = null!, _set64 = null!, _set1k = null!;
    private readonly RespRequest _request = new();

    [GlobalSetup]
    public void Setup()
    {
        var server = new RedisServer(new ServerConfig(), NullLogger.Instance);
        _session = new ClientSession(server, new DuplexPipe(_input.Reader, _output.Writer), null, null);
        _get = Frame("GET", "key:000001", null);
        _set64 = Frame("SET", "key:000001", new string('v', 64));
        _set1k = Frame("SET", "key:000002", new string('w', 1024));
        Run(_set64);
        Run(_set1k);
    }

    private static byte[] Frame(string cmd, string key, string? value) => Encoding.ASCII.GetBytes(value == null
        ? $"*2\r\n${cmd.Length}\r\n{cmd}\r\n${key.Length}\r\n{key}\r\n"
        : $"*3\r\n${cmd.Length}\r\n{cmd}\r\n${key.Length}\r\n{key}\r\n${value.Length}\r\n{value}\r\n");

    private void Run(byte[] frame)
    {
        var seq = new ReadOnlySequence<byte>(frame);
        _session.ProcessBatch(ref seq);
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
