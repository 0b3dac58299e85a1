using Microsoft.Win32.SafeHandles;
using PasteRedis.Paste.Native;

namespace PasteRedis.Paste;

/// <summary>What the user asked for with --pmem-granularity.</summary>
public enum GranularityRequest
{
    /// <summary>Trust libpmem2: DAX → cache line (or byte), an ordinary file → page (msync).</summary>
    Auto,
    /// <summary>NVMM emulated in DRAM (e.g. /dev/shm): force cache-line flushes.</summary>
    CacheLine,
    /// <summary>Always msync.</summary>
    Page,
}

/// <summary>How stores in the region are made durable.</summary>
public enum StoreGranularity
{
    /// <summary>eADR / power-fail-protected caches: a fence is enough.</summary>
    Byte,
    /// <summary>clwb/clflushopt per 64-byte line, then sfence.</summary>
    CacheLine,
    /// <summary>msync of whole pages.</summary>
    Page,
}

/// <summary>Observes persistence calls; tests use it to record which ranges were flushed and fenced.</summary>
public interface IPersistenceObserver
{
    void Flushed(long offset, long length);
    void Drained();
}

/// <summary>
/// A file mapped as (emulated) non-volatile main memory. Owns the mapping and the raw
/// pointer; everything above sees offsets and spans. Persistence goes through the
/// functions libpmem2 chose for this mapping, or msync when libpmem2 is absent.
/// </summary>
public sealed unsafe class NvmmRegion : IDisposable
{
    public const int CacheLineSize = 64;

    private readonly SafeFileHandle _file;
    private readonly byte* _base;
    private void* _pmemMap;
    private readonly delegate* unmanaged<void*, nuint, void> _flush;
    private readonly delegate* unmanaged<void> _drain;
    private long _flushCalls, _fences, _flushedBytes;

    private NvmmRegion(string path, SafeFileHandle file, byte* baseAddress, long length, void* pmemMap,
        delegate* unmanaged<void*, nuint, void> flush, delegate* unmanaged<void> drain,
        StoreGranularity granularity, bool usesLibPmem2, string fileSystem)
    {
        Path = path;
        _file = file;
        _base = baseAddress;
        Length = length;
        _pmemMap = pmemMap;
        _flush = flush;
        _drain = drain;
        Granularity = granularity;
        UsesLibPmem2 = usesLibPmem2;
        FileSystem = fileSystem;
        // 2 MB mappings where the file system offers them (DAX NVMM maps that way; tmpfs
        // mounted huge=within_size or always emulates it): one page-table entry and one fault
        // per 2 MB instead of 512. Recovery reads the values in a fresh process; with 4 KB
        // pages in a VM each page's first touch costs microseconds (1 GB of 1 KB values:
        // validation 4.6 s of CPU with 4 KB pages, 0.9 s with 2 MB ones).
        Libc.madvise(_base, (nuint)Length, Libc.MadvHugePage);
    }

    /// <summary>
    /// Whether the kernel may map the region with 2 MB pages (THPeligible in /proc/self/smaps).
    /// Read when first asked: /proc/self/smaps of a large process takes milliseconds, and a
    /// rewrite opens a new log under the execution lock without needing to know.
    /// </summary>
    public bool HugePages => _hugePages ??= MappedWithHugePages(_base);
    private bool? _hugePages;

    private static bool MappedWithHugePages(byte* start)
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            string header = ((nuint)start).ToString("x") + "-";
            bool inRegion = false;
            foreach (var line in File.ReadLines("/proc/self/smaps"))
            {
                if (!inRegion) inRegion = line.StartsWith(header, StringComparison.Ordinal);
                else if (line.StartsWith("THPeligible:", StringComparison.Ordinal)) return line.EndsWith('1');
                else if (IsMappingHeader(line)) return false; // the next mapping: no such line for ours
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return false;
    }

    private static bool IsMappingHeader(string line)
    {
        int dash = line.IndexOf('-');
        if (dash <= 0) return false;
        foreach (char c in line.AsSpan(0, dash))
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c)) return false;
        return true;
    }

    public string Path { get; }
    public long Length { get; }
    public StoreGranularity Granularity { get; }
    public bool UsesLibPmem2 { get; }
    public string FileSystem { get; }
    public IPersistenceObserver? Observer { get; set; }

    /// <summary>The granularity was forced (--pmem-granularity), not detected from the mapping.</summary>
    public bool Forced { get; private set; }

    public long FlushCalls => Volatile.Read(ref _flushCalls);
    public long Fences => Interlocked.Read(ref _fences);
    public long FlushedBytes => Volatile.Read(ref _flushedBytes);

    /// <summary>
    /// Opens (creating or resizing) the file and maps it. The file is locked for the life
    /// of the region: a second server on the same data dir fails here.
    /// </summary>
    public static NvmmRegion Open(string path, long length, GranularityRequest request, bool allowLibPmem2, out string? fallbackReason)
    {
        fallbackReason = null;
        var file = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        try
        {
            if (RandomAccess.GetLength(file) != length) RandomAccess.SetLength(file, length);
            string fs = FileSystemOf(path);
            int fd = (int)file.DangerousGetHandle();
            if (allowLibPmem2)
            {
                // libpmem2 reads this at every map: set it for a forced request, clear it for auto.
                if (request != GranularityRequest.Auto)
                    Libc.setenv("PMEM2_FORCE_GRANULARITY", request == GranularityRequest.CacheLine ? "CACHE_LINE" : "PAGE", 1);
                else Libc.unsetenv("PMEM2_FORCE_GRANULARITY");
                if (LibPmem2.TryLoad(out var loadError))
                {
                    var region = MapWithLibPmem2(path, file, fd, length, request, fs, out fallbackReason);
                    if (region != null)
                    {
                        region.Forced = request != GranularityRequest.Auto;
                        return region;
                    }
                }
                else fallbackReason = loadError;
            }
            else fallbackReason = "libpmem2 disabled by configuration (pmem-library msync)";
            return MapWithMmap(path, file, fd, length, fs);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static NvmmRegion? MapWithLibPmem2(string path, SafeFileHandle file, int fd, long length,
        GranularityRequest request, string fs, out string? error)
    {
        error = null;
        void* src = null, cfg = null, map = null;
        try
        {
            if (LibPmem2.SourceFromFd(&src, fd) != 0 || LibPmem2.ConfigNew(&cfg) != 0)
            {
                error = "libpmem2: " + LibPmem2.LastError();
                return null;
            }
            int required = request == GranularityRequest.CacheLine ? LibPmem2.GranularityCacheLine : LibPmem2.GranularityPage;
            if (LibPmem2.ConfigSetRequiredStoreGranularity(cfg, required) != 0 || LibPmem2.MapNew(&map, cfg, src) != 0)
            {
                error = "libpmem2 could not map the file: " + LibPmem2.LastError();
                return null;
            }
            var granularity = LibPmem2.MapGetStoreGranularity(map) switch
            {
                LibPmem2.GranularityByte => StoreGranularity.Byte,
                LibPmem2.GranularityCacheLine => StoreGranularity.CacheLine,
                _ => StoreGranularity.Page,
            };
            var flush = (delegate* unmanaged<void*, nuint, void>)LibPmem2.GetFlushFn(map);
            var drain = (delegate* unmanaged<void>)LibPmem2.GetDrainFn(map);
            return new NvmmRegion(path, file, (byte*)LibPmem2.MapGetAddress(map), (long)LibPmem2.MapGetSize(map),
                map, flush, drain, granularity, usesLibPmem2: true, fs);
        }
        finally
        {
            if (cfg != null) LibPmem2.ConfigDelete(&cfg);
            if (src != null) LibPmem2.SourceDelete(&src);
        }
    }

    private static NvmmRegion MapWithMmap(string path, SafeFileHandle file, int fd, long length, string fs)
    {
        var p = Libc.mmap(null, (nuint)length, Libc.ProtRead | Libc.ProtWrite, Libc.MapShared, fd, 0);
        if ((nint)p == Libc.MapFailed)
            throw new IOException($"mmap of {path} failed: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
        return new NvmmRegion(path, file, (byte*)p, length, null, null, null, StoreGranularity.Page, usesLibPmem2: false, fs);
    }

    private static string FileSystemOf(string path)
    {
        try { return new DriveInfo(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!).DriveFormat; }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException) { return "unknown"; }
    }

    /// <summary>True when the file lives in DRAM (tmpfs, ramfs): nothing in it survives a power cut.</summary>
    public bool IsVolatileFileSystem => FileSystem is "tmpfs" or "ramfs";

    /// <summary>One line for the log and INFO: how stores become durable and what they survive.</summary>
    public string Describe()
    {
        string how = Granularity switch
        {
            StoreGranularity.Byte => "byte granularity (fence only)",
            StoreGranularity.CacheLine => "cache-line flushes + one fence per batch (libpmem2)",
            _ => UsesLibPmem2 ? "page granularity: msync (libpmem2)" : "page granularity: msync (libc mmap fallback)",
        };
        string survives = IsVolatileFileSystem
            ? $"survives a process crash; not a power cut ({FileSystem} is DRAM: emulated NVMM)"
            : Granularity == StoreGranularity.Page
                ? $"survives a process crash and a power cut (msync to {FileSystem})"
                : Forced
                    ? $"survives a process crash; NOT a power cut (cache-line flushes forced on an ordinary {FileSystem} file never reach the disk)"
                    : "survives a process crash and a power cut (DAX NVMM)";
        return $"{how}; {survives}";
    }

    /// <summary>
    /// Populates the whole mapping's page tables writable without changing its content
    /// (MADV_POPULATE_WRITE), so receiving into never-used packet buffers costs no page
    /// faults. Commits the region's memory (or, on a sparse disk file, its blocks) up front.
    /// Returns false where the kernel does not support it.
    /// </summary>
    public bool Prefault() => Libc.madvise(_base, (nuint)Length, Libc.MadvPopulateWrite) == 0;

    /// <summary>
    /// Pre-faults the pages covering [<paramref name="offset"/>, +<paramref name="length"/>)
    /// (clipped to the region) in one call, so that the stores that follow take no page
    /// fault each. False where the kernel does not support it.
    /// </summary>
    public bool Prefault(long offset, long length)
    {
        long start = offset & ~(long)(Environment.SystemPageSize - 1);
        long end = Math.Min(Length, offset + length);
        if (end <= start) return true;
        return Libc.madvise(_base + start, (nuint)(end - start), Libc.MadvPopulateWrite) == 0;
    }

    public Span<byte> Span(long offset, int length)
    {
        if ((ulong)offset + (ulong)length > (ulong)Length) throw new ArgumentOutOfRangeException(nameof(offset));
        return new Span<byte>(_base + offset, length);
    }

    internal byte* Pointer(long offset) => _base + offset;

    /// <summary>
    /// The mapped bytes as <see cref="ReadOnlyMemory{T}"/> (recovery hands records kept in
    /// the log itself to the replay this way, without a copy). Valid while the region is mapped.
    /// </summary>
    public ReadOnlyMemory<byte> Memory(long offset, int length)
    {
        if ((ulong)offset + (ulong)length > (ulong)Length) throw new ArgumentOutOfRangeException(nameof(offset));
        return new Slice(_base + offset, length).Memory;
    }

    private sealed class Slice(byte* start, int length) : System.Buffers.MemoryManager<byte>
    {
        public override Span<byte> GetSpan() => new(start, length);
        public override System.Buffers.MemoryHandle Pin(int elementIndex = 0) => new(start + elementIndex);
        public override void Unpin() { }
        protected override void Dispose(bool disposing) { }
    }

    /// <summary>
    /// Flushes the cache lines (or pages) covering the range; durable only after <see cref="Drain"/>.
    /// The counters are plain stores, not Interlocked: a LOCK-prefixed instruction orders the
    /// CLWB/CLFLUSHOPT before it as SFENCE does, so counting each call atomically cost a fence
    /// per flushed range instead of one per batch. Flushes of one region never overlap (the
    /// one committer, or the lock holder after it), so the counts stay exact.
    /// </summary>
    public void Flush(long offset, long length)
    {
        if (length <= 0) return;
        if (_flush != null) _flush(_base + offset, (nuint)length);
        else MsyncRange(offset, length);
        _flushCalls++;
        _flushedBytes += length;
        Observer?.Flushed(offset, length);
    }

    /// <summary>The fence: every flush issued before it is durable when it returns.</summary>
    public void Drain()
    {
        if (_drain != null) _drain();
        Interlocked.Increment(ref _fences);
        Observer?.Drained();
    }

    public void Persist(long offset, long length)
    {
        Flush(offset, length);
        Drain();
    }

    private void MsyncRange(long offset, long length)
    {
        long page = Environment.SystemPageSize;
        long start = offset & ~(page - 1);
        long end = offset + length;
        if (Libc.msync(_base + start, (nuint)(end - start), Libc.MsSync) != 0)
            throw new IOException($"msync of {Path} failed: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
    }

    public void Dispose()
    {
        if (_pmemMap != null)
        {
            var m = _pmemMap;
            LibPmem2.MapDelete(&m);
            _pmemMap = null;
        }
        else if (_base != null) Libc.munmap(_base, (nuint)Length);
        _file.Dispose();
    }
}
