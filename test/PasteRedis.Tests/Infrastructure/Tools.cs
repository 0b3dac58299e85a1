using System.Diagnostics;

namespace PasteRedis.Tests.Infrastructure;

/// <summary>
/// External tools some tests need. When one is missing the test says so (Ignored, with
/// the install hint); under CI (PASTEREDIS_REQUIRE_TOOLS=1) a missing tool is a failure.
/// </summary>
public static class Tools
{
    public static string Require(string tool, string package)
    {
        var path = Environment.GetEnvironmentVariable("PATH")!.Split(':')
            .Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists);
        if (path != null) return path;
        var message = $"{tool} is not installed (apt-get install -y {package}); this test did not run";
        if (Environment.GetEnvironmentVariable("PASTEREDIS_REQUIRE_TOOLS") == "1") Assert.Fail(message);
        Assert.Ignore(message);
        return null!;
    }

    /// <summary>Runs a tool to completion and returns what it printed on stdout and stderr.</summary>
    public static (int ExitCode, string Output) Run(string path, params string[] args)
    {
        var psi = new ProcessStartInfo(path) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000)) p.Kill(true);
        p.WaitForExit();
        return (p.ExitCode, stdout.Result + stderr.Result);
    }
}
