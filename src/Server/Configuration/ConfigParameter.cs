namespace PasteRedis.Server.Configuration;

internal enum ParamKind { String, Integer, Memory, MemoryOrPercent, YesNo, Enum, Special }

/// <summary>
/// One configuration parameter: its Redis name, default, kind and whether CONFIG SET may
/// change it. An integer outside Min..Max is refused, or with <c>Clamp</c> brought into the
/// range (Redis's hz: any non-negative value is accepted and kept between 1 and 500).
/// </summary>
internal sealed record ConfigParameter(
    string Name,
    string Default,
    ParamKind Kind,
    bool Mutable = true,
    string[]? Choices = null,
    long Min = long.MinValue,
    long Max = long.MaxValue,
    string[]? Aliases = null,
    Func<string, string?>? Validate = null,
    bool Sensitive = false,
    (long Min, long Max)? Clamp = null);
