using System.Buffers;

namespace PasteRedis.Server.Connections;

/// <summary>
/// CLIENT REPLY ON | OFF | SKIP (Redis's CLIENT_REPLY_OFF and CLIENT_REPLY_SKIP_NEXT): a
/// command's reply is written where nothing reads it. Pushes (pub/sub messages,
/// invalidations) go to the pending output and are still delivered, as in Redis.
/// </summary>
internal sealed partial class ClientSession
{
    private bool _repliesOff, _skipNextReply;
    private IBufferWriter<byte>? _quietOutput; // the real output while replies are discarded

    /// <summary>CLIENT REPLY ON: replies again, this command's +OK included.</summary>
    public void RepliesOn()
    {
        _repliesOff = _skipNextReply = false;
        LoudAgain();
    }

    /// <summary>CLIENT REPLY OFF: no reply, to this command or any until ON.</summary>
    public void RepliesOff()
    {
        _repliesOff = true;
        Quiet();
    }

    /// <summary>CLIENT REPLY SKIP: no reply to this command nor to the next one.</summary>
    public void SkipNextReply()
    {
        if (!_repliesOff) _skipNextReply = true;
        Quiet();
    }

    /// <summary>Before a client's command: quiet when replies are off or this one is skipped.</summary>
    private void BeforeCommandReply()
    {
        if (!_repliesOff && !_skipNextReply) return;
        _skipNextReply = false;
        Quiet();
    }

    private void Quiet()
    {
        if (_quietOutput != null) return;
        _quietOutput = Reply.Output;
        Reply.Output = DiscardingWriter.Instance;
    }

    private void LoudAgain()
    {
        if (_quietOutput == null) return;
        Reply.Output = _quietOutput;
        _quietOutput = null;
    }

    /// <summary>An output nothing reads: one buffer, reused.</summary>
    private sealed class DiscardingWriter : IBufferWriter<byte>
    {
        public static readonly DiscardingWriter Instance = new();
        private byte[] _buffer = new byte[4096];

        public void Advance(int count) { }

        public Memory<byte> GetMemory(int sizeHint = 0) => Buffer(sizeHint);

        public Span<byte> GetSpan(int sizeHint = 0) => Buffer(sizeHint);

        private byte[] Buffer(int sizeHint)
        {
            if (_buffer.Length < sizeHint) _buffer = new byte[sizeHint];
            return _buffer;
        }
    }
}
