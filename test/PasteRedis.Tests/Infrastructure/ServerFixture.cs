namespace PasteRedis.Tests.Infrastructure;

/// <summary>
/// A fixture with one real server for all its tests (and, when asked, a connected
/// StackExchange.Redis multiplexer), started before the first test and stopped after the last.
/// </summary>
public abstract class ServerFixture
{
    protected ServerInstance Server { get; private set; } = null!;
    protected ConnectionMultiplexer Mux { get; private set; } = null!;

    /// <summary>Extra redis-server style arguments for this fixture's server.</summary>
    protected virtual string[] ServerArgs => [];
    protected virtual bool UsesMultiplexer => false;

    [OneTimeSetUp]
    public async Task StartServer()
    {
        Server = await ServerInstance.StartAsync(ServerArgs);
        if (UsesMultiplexer) Mux = await Server.ConnectAsync();
    }

    [OneTimeTearDown]
    public async Task StopServer()
    {
        if (Mux != null) await Mux.DisposeAsync();
        await Server.DisposeAsync();
    }
}
