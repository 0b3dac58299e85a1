using PasteRedis.Server;
using PasteRedis.Server.Configuration;
using Microsoft.Extensions.Hosting;

try
{
    if (args.Length >= 2 && args[0] == "export-aof") return PasteRedisHost.ExportAof(args[1], args[2..]);
    using var host = PasteRedisHost.Build(args, ownsProcess: true);
    var loaded = ((RedisServer)host.Services.GetService(typeof(RedisServer))!).Loaded;
    await host.RunAsync();
    // A log that could not be loaded refused the start (its message is already printed).
    return loaded.IsFaulted ? 1 : 0;
}
catch (ConfigException e)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}
