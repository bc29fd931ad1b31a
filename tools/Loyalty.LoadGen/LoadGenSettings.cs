namespace Loyalty.LoadGen;

/// <summary>One run, as the command line asked for it (validated by <see cref="LoadGenCommand"/>).</summary>
/// <param name="Requests">Null only with a <paramref name="Duration"/>: then the clock alone ends the run.</param>
/// <param name="Rate">Overall requests per second; null is as fast as the workers go.</param>
/// <param name="Tokens">Bearer tokens, used in turn; empty when the mix is <c>instance</c> only.</param>
public sealed record LoadGenSettings(
    Uri Endpoint,
    string BaseTraceId,
    long? Requests,
    TimeSpan? Duration,
    int Concurrency,
    double? Rate,
    Mix Mix,
    IReadOnlyList<string> Tokens,
    string? LogPath,
    string? ReportPath,
    bool Quiet,
    TimeSpan Timeout);
