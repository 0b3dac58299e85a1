using System.Runtime.InteropServices;

namespace PasteRedis.Paste.Native;

/// <summary>
/// PMDK's libpmem2, loaded at run time so that its absence is a fallback, not a crash.
/// Every entry point is a raw function pointer: no marshalling stubs, and the persist,
/// flush and drain functions the library picks for a mapping (clwb/clflushopt + sfence
/// on DAX, msync otherwise) are called directly on the hot path.
/// </summary>
internal static unsafe class LibPmem2
{
    public const int GranularityByte = 0;
    public const int GranularityCacheLine = 1;
    public const int GranularityPage = 2;

    private static nint s_handle;
    private static string? s_loadError;

    public static delegate* unmanaged<void**, int, int> SourceFromFd;
    public static delegate* unmanaged<void**, int> SourceDelete;
    public static delegate* unmanaged<void**, int> ConfigNew;
    public static delegate* unmanaged<void**, int> ConfigDelete;
    public static delegate* unmanaged<void*, int, int> ConfigSetRequiredStoreGranularity;
    public static delegate* unmanaged<void**, void*, void*, int> MapNew;
    public static delegate* unmanaged<void**, int> MapDelete;
    public static delegate* unmanaged<void*, void*> MapGetAddress;
    public static delegate* unmanaged<void*, nuint> MapGetSize;
    public static delegate* unmanaged<void*, int> MapGetStoreGranularity;
    public static delegate* unmanaged<void*, nint> GetPersistFn;
    public static delegate* unmanaged<void*, nint> GetFlushFn;
    public static delegate* unmanaged<void*, nint> GetDrainFn;
    public static delegate* unmanaged<byte*> ErrorMsg;

    /// <summary>Loads libpmem2.so.1 once; returns false (with the reason) when it is not installed.</summary>
    public static bool TryLoad(out string? error)
    {
        lock (typeof(LibPmem2))
        {
            if (s_handle != 0 || s_loadError != null)
            {
                error = s_loadError;
                return s_handle != 0;
            }
            if (!NativeLibrary.TryLoad("libpmem2.so.1", out var h) && !NativeLibrary.TryLoad("libpmem2.so", out h))
            {
                error = s_loadError = "libpmem2.so.1 not found (apt-get install -y libpmem2)";
                return false;
            }
            try
            {
                SourceFromFd = (delegate* unmanaged<void**, int, int>)NativeLibrary.GetExport(h, "pmem2_source_from_fd");
                SourceDelete = (delegate* unmanaged<void**, int>)NativeLibrary.GetExport(h, "pmem2_source_delete");
                ConfigNew = (delegate* unmanaged<void**, int>)NativeLibrary.GetExport(h, "pmem2_config_new");
                ConfigDelete = (delegate* unmanaged<void**, int>)NativeLibrary.GetExport(h, "pmem2_config_delete");
                ConfigSetRequiredStoreGranularity = (delegate* unmanaged<void*, int, int>)NativeLibrary.GetExport(h, "pmem2_config_set_required_store_granularity");
                MapNew = (delegate* unmanaged<void**, void*, void*, int>)NativeLibrary.GetExport(h, "pmem2_map_new");
                MapDelete = (delegate* unmanaged<void**, int>)NativeLibrary.GetExport(h, "pmem2_map_delete");
                MapGetAddress = (delegate* unmanaged<void*, void*>)NativeLibrary.GetExport(h, "pmem2_map_get_address");
                MapGetSize = (delegate* unmanaged<void*, nuint>)NativeLibrary.GetExport(h, "pmem2_map_get_size");
                MapGetStoreGranularity = (delegate* unmanaged<void*, int>)NativeLibrary.GetExport(h, "pmem2_map_get_store_granularity");
                GetPersistFn = (delegate* unmanaged<void*, nint>)NativeLibrary.GetExport(h, "pmem2_get_persist_fn");
                GetFlushFn = (delegate* unmanaged<void*, nint>)NativeLibrary.GetExport(h, "pmem2_get_flush_fn");
                GetDrainFn = (delegate* unmanaged<void*, nint>)NativeLibrary.GetExport(h, "pmem2_get_drain_fn");
                ErrorMsg = (delegate* unmanaged<byte*>)NativeLibrary.GetExport(h, "pmem2_errormsg");
            }
            catch (EntryPointNotFoundException e)
            {
                error = s_loadError = "libpmem2 lacks an entry point: " + e.Message;
                return false;
            }
            s_handle = h;
            error = null;
            return true;
        }
    }

    public static string LastError() => Marshal.PtrToStringUTF8((nint)ErrorMsg()) ?? "unknown libpmem2 error";
}
