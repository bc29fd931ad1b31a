using Loyalty.Api.Domain;
using Loyalty.Core;

namespace Loyalty.Api.Tests.Domain;

public sealed class BusinessDaysTests
{
    [Theory]
    [InlineData("2025-03-14", 3, "2025-03-19")] // DOMAIN.md §2: Friday + 3 → Wednesday
    [InlineData("2025-03-14", 2, "2025-03-18")] // §9.8: Friday + 2 → Tuesday
    [InlineData("2025-03-15", 1, "2025-03-17")] // Saturday + 1 → Monday
    [InlineData("2025-03-16", 5, "2025-03-21")] // Sunday + 5 → Friday
    [InlineData("2025-03-17", 7, "2025-03-26")] // Monday + 7 crosses one weekend
    [InlineData("2025-03-17", 0, "2025-03-17")]
    public void After_CountsOnlyWeekdaysStrictlyAfterTheDate(string date, int count, string expected) =>
        Assert.Equal(DateOnly.Parse(expected, System.Globalization.CultureInfo.InvariantCulture),
            BusinessDays.After(DateOnly.Parse(date, System.Globalization.CultureInfo.InvariantCulture), count));
}
