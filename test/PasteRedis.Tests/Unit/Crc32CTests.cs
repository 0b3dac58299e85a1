using PasteRedis.Aof;

namespace PasteRedis.Tests.Unit;

/// <summary>
/// The log's checksum against a bit-at-a-time CRC-32C: every record and every referenced
/// byte is checked with it at recovery, so a wrong lane join would make recovery refuse
/// valid logs (or, worse, accept damaged ones).
/// </summary>
public class Crc32CTests
{
    private static uint Reference(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (var b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78 : crc >> 1;
        }
        return ~crc;
    }

    private static uint Hw(ReadOnlySpan<byte> data) => Crc32C.Finish(Crc32C.Append(Crc32C.Seed, data));

    [Test]
    public void CheckValue() => Assert.That(Hw("123456789"u8), Is.EqualTo(0xE3069283u));

    /// <summary>Runs a check with the carry-less folding on or off (the crc32 lanes), restoring the machine's choice after.</summary>
    private static void With(bool folding, Action check)
    {
        bool machine = Crc32C.Folding;
        if (folding && !Crc32C.FoldingSupported)
            Assert.Ignore("this CPU (or runtime) has no accelerated 512-bit VPCLMULQDQ: the folding path cannot run here");
        Crc32C.Folding = folding;
        try { check(); }
        finally { Crc32C.Folding = machine; }
    }

    [Test]
    public void EveryLengthAndAlignmentMatchesTheBitwiseDefinition([Values] bool folding) => With(folding, () =>
    {
        var random = new Random(7);
        var buffer = new byte[5000];
        random.NextBytes(buffer);
        for (int length = 0; length <= 1200; length++)
        {
            int offset = random.Next(0, 64);
            var data = buffer.AsSpan(offset, length);
            Assert.That(Hw(data), Is.EqualTo(Reference(data)), $"length {length} at offset {offset}");
        }
        foreach (int length in new[] { 4096, 4095, 4097, 4999 - 7 })
            Assert.That(Hw(buffer.AsSpan(7, length)), Is.EqualTo(Reference(buffer.AsSpan(7, length))), $"length {length}");
        // Past 512 bytes the folding runs four accumulators of 256-byte steps: every remainder of those.
        for (int length = 1990; length <= 2310; length++)
            Assert.That(Hw(buffer.AsSpan(3, length)), Is.EqualTo(Reference(buffer.AsSpan(3, length))), $"length {length}");
    });

    [Test]
    public void AppendingInPiecesEqualsOnePass([Values] bool folding) => With(folding, () =>
    {
        // A record's checksum is appended extent by extent (header, then each referenced piece).
        var random = new Random(11);
        var data = new byte[3000];
        random.NextBytes(data);
        for (int trial = 0; trial < 500; trial++)
        {
            int length = random.Next(0, data.Length), split1 = random.Next(0, length + 1), split2 = random.Next(split1, length + 1);
            uint crc = Crc32C.Append(Crc32C.Seed, data.AsSpan(0, split1));
            crc = Crc32C.Append(crc, data.AsSpan(split1, split2 - split1));
            crc = Crc32C.Append(crc, data.AsSpan(split2, length - split2));
            Assert.That(Crc32C.Finish(crc), Is.EqualTo(Reference(data.AsSpan(0, length))), $"{length} split at {split1}, {split2}");
        }
    });
}
