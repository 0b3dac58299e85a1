using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(PasteRedis.Benchmarks.DispatchBenchmarks).Assembly).Run(args);
