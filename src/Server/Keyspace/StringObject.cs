using PasteRedis.Resp;

namespace PasteRedis.Server.Keyspace;

/// <summary>
/// A string value. Its bytes live in a managed buffer that an overwrite reuses when it is
/// large enough, so SET on an existing key does not allocate.
/// </summary>
internal sealed class StringObject : RedisObject
{
    private byte[] _buffer;

    public StringObject(byte[] key, ReadOnlySpan<byte> value) : base(key)
    {
        _buffer = value.ToArray();
        Length = value.Length;
    }

    public override RedisType Type => RedisType.String;
    public int Length { get; private set; }
    public ReadOnlySpan<byte> Value => _buffer.AsSpan(0, Length);

    /// <summary>Set by APPEND and SETRANGE, which make Redis store a "raw" string.</summary>
    public bool Raw { get; set; }

    public void Set(ReadOnlySpan<byte> value)
    {
        if (_buffer.Length < value.Length || _buffer.Length > 4 * Math.Max(value.Length, 64))
            _buffer = new byte[value.Length];
        value.CopyTo(_buffer);
        Length = value.Length;
        Raw = false;
    }

    /// <summary>Makes room for <paramref name="newLength"/> bytes, zero-filling the growth (SETRANGE/APPEND).</summary>
    public Span<byte> Resize(int newLength)
    {
        if (_buffer.Length < newLength)
        {
            var grown = new byte[Math.Max(newLength, _buffer.Length * 2)];
            _buffer.AsSpan(0, Length).CopyTo(grown);
            _buffer = grown;
        }
        else if (newLength > Length) _buffer.AsSpan(Length, newLength - Length).Clear();
        Length = newLength;
        Raw = true;
        return _buffer.AsSpan(0, Length);
    }

    public override string Encoding
    {
        get
        {
            if (!Raw && Length <= 20 && RespNumber.TryParseInt64(Value, out _)) return "int";
            return !Raw && Length <= 44 ? "embstr" : "raw";
        }
    }
}
