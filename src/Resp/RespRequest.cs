using System.Buffers;

namespace PasteRedis.Resp;

/// <summary>
/// The arguments of one parsed command frame, as slices of the receive buffer (no copies).
/// One instance lives per connection and is reused for every frame, so parsing allocates
/// nothing once the argument array has grown to the widest command seen.
/// </summary>
public sealed class RespRequest
{
    private ReadOnlySequence<byte>[] _args = new ReadOnlySequence<byte>[8];
    private byte[] _scratch = new byte[256];
    private int _scratchUsed;

    /// <summary>Number of arguments, the command name included.</summary>
    public int Count { get; private set; }

    /// <summary>True when the frame was an inline command (telnet style) rather than a RESP array.</summary>
    public bool IsInline { get; internal set; }

    /// <summary>The argument as it lies in the receive buffer; may span segments.</summary>
    public ReadOnlySequence<byte> ArgSequence(int i) => _args[i];

    /// <summary>
    /// The argument as one contiguous span. Single-segment arguments (almost all) are
    /// returned in place; an argument that spans receive segments is copied once into the
    /// connection's scratch buffer, which lives until the next frame.
    /// </summary>
    public ReadOnlySpan<byte> Arg(int i)
    {
        ref readonly var seq = ref _args[i];
        if (seq.IsSingleSegment) return seq.FirstSpan;
        return Flatten(in seq);
    }

    private ReadOnlySpan<byte> Flatten(in ReadOnlySequence<byte> seq)
    {
        int len = checked((int)seq.Length);
        if (_scratch.Length - _scratchUsed < len)
        {
            // Older spans handed out keep the old array alive, so growing is safe.
            _scratch = new byte[Math.Max(_scratch.Length * 2, len + _scratchUsed)];
            _scratchUsed = 0;
        }
        var dest = _scratch.AsSpan(_scratchUsed, len);
        seq.CopyTo(dest);
        _scratchUsed += len;
        return dest;
    }

    internal void Reset()
    {
        Count = 0;
        _scratchUsed = 0;
        IsInline = false;
    }

    internal void Add(in ReadOnlySequence<byte> arg)
    {
        if (Count == _args.Length) Array.Resize(ref _args, _args.Length * 2);
        _args[Count++] = arg;
    }

    /// <summary>Adds an inline argument that had to be unescaped: it lives in scratch memory.</summary>
    internal void AddCopy(ReadOnlySpan<byte> bytes)
    {
        if (_scratch.Length - _scratchUsed < bytes.Length)
        {
            _scratch = new byte[Math.Max(_scratch.Length * 2, bytes.Length + _scratchUsed)];
            _scratchUsed = 0;
        }
        var mem = new ReadOnlyMemory<byte>(_scratch, _scratchUsed, bytes.Length);
        bytes.CopyTo(_scratch.AsSpan(_scratchUsed));
        _scratchUsed += bytes.Length;
        Add(new ReadOnlySequence<byte>(mem));
    }

    /// <summary>Drops references to receive memory once the frame has been executed.</summary>
    public void Release()
    {
        Array.Clear(_args, 0, Count);
        Count = 0;
    }
}
