namespace Loyalty.Core;

/// <summary>Business days of DOMAIN.md §1 and §9.8: Monday to Friday on the UTC date; holidays are not modelled.</summary>
public static class BusinessDays
{
    /// <summary>The <paramref name="count"/>-th Monday-to-Friday date strictly after <paramref name="date"/>.</summary>
    public static DateOnly After(DateOnly date, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var day = date;
        for (var found = 0; found < count;)
        {
            day = day.AddDays(1);
            if (day.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday))
            {
                found++;
            }
        }

        return day;
    }
}
