using System.Buffers;

namespace PasteRedis.Paste;

/// <summary>
/// Pieces of memory that lie apart (a value's extents in several packet buffers) as one
/// <see cref="ReadOnlySequence{T}"/>, without copying them.
/// </summary>
public static class SegmentChain
{
    /// <summary>The pieces in order, one segment each.</summary>
    public static ReadOnlySequence<byte> Of(params ReadOnlySpan<ReadOnlyMemory<byte>> pieces)
    {
        Link? first = null, last = null;
        foreach (var piece in pieces) last = Link.After(last, piece, ref first);
        return Sequence(first, last);
    }

    /// <summary>The sequence from <paramref name="first"/> to the end of <paramref name="last"/>.</summary>
    public static ReadOnlySequence<byte> Sequence(Link? first, Link? last) =>
        first == null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(first, 0, last!, last!.Memory.Length);

    /// <summary>One segment, chained after the previous one.</summary>
    public sealed class Link : ReadOnlySequenceSegment<byte>
    {
        private Link(ReadOnlyMemory<byte> memory, Link? previous)
        {
            Memory = memory;
            if (previous == null) return;
            RunningIndex = previous.RunningIndex + previous.Memory.Length;
            previous.Next = this;
        }

        /// <summary>A new segment after <paramref name="previous"/> (the first when null, which <paramref name="first"/> then records).</summary>
        public static Link After(Link? previous, ReadOnlyMemory<byte> memory, ref Link? first)
        {
            var link = new Link(memory, previous);
            first ??= link;
            return link;
        }
    }
}
