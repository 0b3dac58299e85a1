// Outside any namespace: a SetUpFixture applies to its namespace, and this one is for the whole assembly.
/// <summary>
/// In-process servers share the test runner's thread pool with clients that block on
/// sockets; a larger minimum keeps the pool's slow growth from timing tests out.
/// </summary>
[SetUpFixture]
public class TestSetup
{
    [OneTimeSetUp]
    public void RaiseThreadPoolMinimum()
    {
        ThreadPool.GetMinThreads(out int workers, out int io);
        ThreadPool.SetMinThreads(Math.Max(workers, 64), Math.Max(io, 64));
    }

    /// <summary>Every data dir handed out in this run goes, whichever test forgot it (they live in /dev/shm: RAM).</summary>
    [OneTimeTearDown]
    public void DeleteDataDirs() => PasteRedis.Tests.Infrastructure.ServerInstance.DeleteDataDirs();
}
