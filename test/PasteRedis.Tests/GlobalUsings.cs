global using NUnit.Framework;
global using PasteRedis.Tests.Infrastructure;
global using StackExchange.Redis;
