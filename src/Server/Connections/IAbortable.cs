namespace PasteRedis.Server.Connections;

/// <summary>
/// A transport that can drop a connection at once, unsent output and all: what Redis's
/// freeClient does to a killed client (CLIENT KILL, a timeout, an output limit, eviction;
/// not shutdown, which lets produced replies go out), even one that has stopped reading
/// and whose socket will take nothing more.
/// </summary>
internal interface IAbortable
{
    void Abort();
}
