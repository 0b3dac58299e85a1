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

    [Test]
    public void EveryLengthAndAlignmentMatchesTheBitwiseDefinition()
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
    }

    [Test]
    public void AppendingInPiecesEqualsOnePass()
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
    }
}
