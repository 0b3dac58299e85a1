using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using PasteRedis.Aof;
using PasteRedis.Paste;

namespace PasteRedis.Benchmarks;

/// <summary>
/// One log append and its persistence (flush of the record and the referenced bytes, one
/// fence) for a 64 B and a 1 KB SET as received, on emulated NVMM (/dev/shm, cache-line
/// flushes). Reference mode writes only the record; copy mode copies the command first.
/// A fresh log per iteration keeps the file from filling up.
/// </summary>
[MemoryDiagnoser]
[InvocationCount(20_000)] // per iteration, each on a fresh log (IterationSetup)
public class LogBenchmarks
{
    private string _dir = null!;
    private NvmmRegion _pbufs = null!;
    private PacketBufferPool _pool = null!;
    private FreshBuffers _fresh = null!;
    private AppendOnlyLog _log = null!;
    private ReadOnlySequence<byte> _set64, _set1k;
    private int _iteration;

    [Params(AofMode.Reference, AofMode.Copy)]
    public AofMode Mode { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _dir = ScratchDir.Create("pasteredis-logbench");
        _pbufs = NvmmRegion.Open(Path.Combine(_dir, "pbufs.pmem"), 256L << 20, GranularityRequest.CacheLine, true, out _);
        _pool = new PacketBufferPool(_pbufs, 4096);
        _pool.CreateManagersInBackground(); // as the server does once its data is loaded
        _fresh = new FreshBuffers(_pool);
        var received = _pool.Rent();
        _set64 = Place(received.Memory, 0, "*3\r\n$3\r\nSET\r\n$10\r\nkey:000001\r\n$64\r\n" + new string('v', 64) + "\r\n");
        _set1k = Place(received.Memory, 200, "*3\r\n$3\r\nSET\r\n$10\r\nkey:000002\r\n$1024\r\n" + new string('w', 1024) + "\r\n");
    }

    private static ReadOnlySequence<byte> Place(Memory<byte> buffer, int at, string frame)
    {
        var bytes = Encoding.ASCII.GetBytes(frame);
        bytes.CopyTo(buffer[at..]);
        return new ReadOnlySequence<byte>(buffer.Slice(at, bytes.Length));
    }

    [IterationSetup]
    public void NewLog()
    {
        _log?.ReleaseReferences(); // copy mode's fresh buffers go back to the pool
        _log?.Dispose();
        var path = Path.Combine(_dir, $"aof-{_iteration++}.pmem");
        _log = AppendOnlyLog.Open(path, 512L << 20, _pool, _fresh, Mode, GranularityRequest.CacheLine, true);
        File.Delete(path); // the mapping stays valid; the file goes when it is unmapped
    }

    [Benchmark]
    public bool AppendAndPersist64()
    {
        bool ok = _log.TryAppend(0, _set64);
        _log.Commit();
        return ok;
    }

    [Benchmark]
    public bool AppendAndPersist1K()
    {
        bool ok = _log.TryAppend(0, _set1k);
        _log.Commit();
        return ok;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _log.Dispose();
        _pbufs.Dispose();
        Directory.Delete(_dir, true);
    }
}
