using System.Numerics;
using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using PasteRedis.Aof;

namespace PasteRedis.Benchmarks;

/// <summary>
/// The log's CRC-32C over a 100 B and a 1 KB SET frame and a 4 KB packet buffer (what
/// recovery validates): three interleaved lanes of crc32 instructions and the carry-less
/// folding (Crc32C.Append, either way) against one dependent chain of crc32 instructions,
/// the way it was computed first.
/// </summary>
[MemoryDiagnoser]
public class ChecksumBenchmarks
{
    private byte[] _data = null!;

    [Params(100, 1060, 4096)]
    public int Length { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _data = new byte[Length];
        new Random(1).NextBytes(_data);
    }

    [Benchmark(Baseline = true)]
    public uint OneChain()
    {
        uint crc = Crc32C.Seed;
        ReadOnlySpan<byte> data = _data;
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }
        foreach (var b in data) crc = BitOperations.Crc32C(crc, b);
        return Crc32C.Finish(crc);
    }

    [Benchmark]
    public uint ThreeLanes()
    {
        Crc32C.Folding = false;
        return Crc32C.Finish(Crc32C.Append(Crc32C.Seed, _data));
    }

    /// <summary>What the log runs where the CPU has AVX-512 VPCLMULQDQ (otherwise the same as <see cref="ThreeLanes"/>).</summary>
    [Benchmark]
    public uint Folding()
    {
        Crc32C.Folding = true;
        return Crc32C.Finish(Crc32C.Append(Crc32C.Seed, _data));
    }
}
