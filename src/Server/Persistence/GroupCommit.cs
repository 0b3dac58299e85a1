using PasteRedis.Aof;

namespace PasteRedis.Server.Persistence;

/// <summary>
/// What the thread that ran a batch must do after releasing the execution lock and
/// before its replies leave: nothing (<see cref="Epoch"/> 0), wait until the log is
/// durable up to <see cref="Epoch"/>, or <see cref="Lead"/> the commit that makes it so.
/// </summary>
internal readonly record struct CommitTicket(long Epoch, bool Lead)
{
    public static readonly CommitTicket None = default;
}

/// <summary>
/// Group commit across connections (appendfsync always). Records are appended under the
/// execution lock; the flushes they queue are handed to one committer that issues them
/// and the single fence outside the lock, while other connections execute. Every batch,
/// reads included, waits until the log is durable up to the last record appended before
/// its batch ended, so no reply on any connection shows a write before it is durable
/// (invariants 1 and 2). Batches that finish while a commit is in flight are covered by
/// the next one: one fence for all of them.
/// </summary>
internal sealed partial class AofPersistence
{
    private readonly object _commitGate = new();
    private bool _committing;          // a committer is flushing outside the lock (under _commitGate)
    private long _appendedEpoch;       // records appended (under the execution lock)
    private long _durableEpoch;        // records known durable (written under _commitGate)
    private AppendOnlyLog? _committingLog, _committingNext;
    private long _writeBatches;

    /// <summary>Records appended so far: the epoch a batch waits for.</summary>
    public long AppendedEpoch => _appendedEpoch;

    /// <summary>
    /// At the end of a client's batch, under the execution lock. With appendfsync always,
    /// returns the ticket the caller completes with <see cref="CompleteCommit"/> after
    /// releasing the lock, or none when the batch ran on an event loop, which commits once
    /// at the end of its iteration (<see cref="LoopCommit"/>); other policies commit here as before.
    /// </summary>
    public CommitTicket EndClientBatch(long nowMs, long epochAtStart)
    {
        if (_appendedEpoch != epochAtStart) _writeBatches++;
        if (Policy != FsyncPolicy.Always)
        {
            EndBatch(nowMs);
            return CommitTicket.None;
        }
        if (LoopCommit.Deferring)
        {
            LoopCommit.Defer();
            return CommitTicket.None;
        }
        return BeginCommit();
    }

    /// <summary>The event loop's commit (under the execution lock): everything appended so far.</summary>
    public CommitTicket BeginLoopCommit() => Policy == FsyncPolicy.Always ? BeginCommit() : CommitTicket.None;

    private CommitTicket BeginCommit()
    {
        long target = _appendedEpoch;
        if (Volatile.Read(ref _durableEpoch) >= target) return CommitTicket.None;
        lock (_commitGate)
        {
            if (_committing) return new CommitTicket(target, Lead: false);
            _committing = true;
        }
        (_committingLog, _committingNext) = (Log, _next);
        Log.DetachPending();
        _next?.DetachPending();
        return new CommitTicket(target, Lead: true);
    }

    /// <summary>
    /// Outside the execution lock, before the batch's replies are flushed: lead the commit
    /// (flush everything set aside, one fence) or wait for the one in flight; if that one
    /// did not cover this batch, take the lock again and lead the next.
    /// </summary>
    public void CompleteCommit(CommitTicket ticket, object execLock)
    {
        while (ticket.Epoch != 0)
        {
            if (ticket.Lead)
            {
                try
                {
                    _committingLog!.FlushDetached();
                    _committingNext?.FlushDetached();
                    _committingLog.Region.Drain();
                }
                finally
                {
                    lock (_commitGate)
                    {
                        _commits++;
                        Volatile.Write(ref _durableEpoch, ticket.Epoch);
                        _committing = false;
                        _committingLog = _committingNext = null;
                        Monitor.PulseAll(_commitGate);
                    }
                }
                return;
            }
            lock (_commitGate)
            {
                while (_committing && _durableEpoch < ticket.Epoch) Monitor.Wait(_commitGate);
                if (_durableEpoch >= ticket.Epoch) return;
            }
            lock (execLock) ticket = BeginCommit();
        }
    }

    /// <summary>
    /// Under the execution lock, before anything flushes, swaps or disposes a log: waits
    /// for the committer outside the lock to finish with the queues it took.
    /// </summary>
    private void WaitForCommitter()
    {
        lock (_commitGate)
            while (_committing) Monitor.Wait(_commitGate);
    }

    /// <summary>After a synchronous commit under the lock: everything appended is durable.</summary>
    private void CommittedAll()
    {
        lock (_commitGate) _durableEpoch = _appendedEpoch;
    }
}

/// <summary>
/// Commit once per event-loop iteration (appendfsync always): while an event loop runs
/// the batches of one epoll wait, their records are appended and their replies held;
/// the loop then makes everything appended durable with one fence and sends all the
/// replies (Redis's beforeSleep: flushAppendOnlyFile, then handleClientsWithPendingWrites;
/// the paper's one fence per batch of requests). A batch run anywhere else (a woken
/// connection on the thread pool, TLS) commits itself as before.
/// </summary>
internal static class LoopCommit
{
    [ThreadStatic] private static bool t_deferring;
    [ThreadStatic] private static bool t_pending;

    /// <summary>This thread is an event loop dispatching: batches leave their commit to it.</summary>
    public static bool Deferring => t_deferring;

    /// <summary>The loop starts (true) or ends (false) running the events of one wait.</summary>
    public static void Dispatch(bool on) => t_deferring = on;

    /// <summary>A batch appended records and left their commit to the loop.</summary>
    public static void Defer() => t_pending = true;

    /// <summary>Whether any batch of this iteration deferred its commit (and clears it).</summary>
    public static bool TakePending()
    {
        bool pending = t_pending;
        t_pending = false;
        return pending;
    }
}
