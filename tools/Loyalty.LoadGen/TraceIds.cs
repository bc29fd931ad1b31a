using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;

namespace Loyalty.LoadGen;

/// <summary>
/// W3C trace ids that say which request they belong to: the run's 16-hex-digit base followed by the
/// request's sequence number as 16 hex digits, so a line of any instance's log leads back to the run and
/// the request.
/// </summary>
public static class TraceIds
{
    public const int BaseLength = 16;

    public static string NewBase() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(BaseLength / 2));

    /// <summary>16 hex digits, not all zero (an all-zero trace id is invalid in W3C trace context).</summary>
    public static bool TryParseBase(string? text, [NotNullWhen(true)] out string? baseId)
    {
        baseId = null;
        if (text is not { Length: BaseLength } || !text.All(char.IsAsciiHexDigit) || text.All(c => c == '0'))
        {
            return false;
        }

        baseId = text.ToLowerInvariant();
        return true;
    }

    public static string For(string baseId, long seq) =>
        baseId + seq.ToString("x16", CultureInfo.InvariantCulture);

    /// <summary>A sampled <c>traceparent</c> header value with a fresh span id.</summary>
    public static string TraceParent(string traceId)
    {
        Span<byte> span = stackalloc byte[8];
        do
        {
            RandomNumberGenerator.Fill(span);
        }
        while (span.IndexOfAnyExcept((byte)0) < 0);

        return $"00-{traceId}-{Convert.ToHexStringLower(span)}-01";
    }
}
