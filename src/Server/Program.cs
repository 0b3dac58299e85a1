using PasteRedis.Server;
using PasteRedis.Server.Configuration;
using Microsoft.Extensions.Hosting;

try
{
    using var host = PasteRedisHost.Build(args);
    await host.RunAsync();
    return 0;
}
catch (ConfigException e)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}
