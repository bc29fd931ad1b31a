namespace Loyalty.Core;

/// <summary>
/// What the API grants each bank: a token bucket of <see cref="Burst"/> requests refilled at
/// <see cref="PermitsPerSecond"/>. The API's limiter defaults to it and the edge's rate rule for bank traffic is
/// sized from it, so the WAF never blocks a bank the API would still serve.
/// </summary>
public static class BankRateLimit
{
    public const int PermitsPerSecond = 200;

    public const int Burst = 400;

    /// <summary>The most one bank may send in WAF's 5-minute window: a full burst, then the sustained rate throughout.</summary>
    public const int Per5Minutes = Burst + (PermitsPerSecond * 300);
}
