using System.Globalization;

namespace Loyalty.Core.PartnerFiles;

/// <summary>How numbers and dates are written: invariant, whatever the culture the process runs under.</summary>
internal static class Invariant
{
    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Digits(int value, int width) => value.ToString($"D{width}", CultureInfo.InvariantCulture);

    public static string Date(DateOnly value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    public static string Time(DateTimeOffset value, string format) => value.UtcDateTime.ToString(format, CultureInfo.InvariantCulture);

    public static DateTimeOffset Midnight(DateOnly date) => new(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
}
