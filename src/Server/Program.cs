using PasteRedis.Server;
using PasteRedis.Server.Configuration;
using Microsoft.Extensions.Hosting;

try
{
    if (args.Length >= 2 && args[0] == "export-aof") return PasteRedisHost.ExportAof(args[1], args[2..]);
    using var host = PasteRedisHost.Build(args, ownsProcess: true);
    await host.RunAsync();
    return 0;
}
catch (ConfigException e)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}
