namespace Loyalty.Core;

/// <summary>
/// Member id check-digit algorithms (DOMAIN.md §3.2), chosen per programme by the name stored in the database.
/// Every method accepts any input and returns false instead of throwing: only ASCII digits count as digits,
/// so full-width or Arabic-Indic digits that <see cref="char.IsDigit(char)"/> accepts are refused.
/// </summary>
public static class CheckDigits
{
    private const int Mod11Length = 9;

    // Row = interim digit, column = next digit (DOMAIN.md §3.2, HALC). Flattened so it can live in the
    // assembly's read-only data instead of a mutable static array.
    private static ReadOnlySpan<byte> DammTable =>
    [
        0, 3, 1, 7, 5, 9, 8, 6, 4, 2,
        7, 0, 9, 2, 1, 5, 4, 8, 6, 3,
        4, 2, 0, 6, 8, 7, 1, 3, 5, 9,
        1, 7, 5, 0, 9, 8, 3, 4, 2, 6,
        6, 1, 2, 3, 0, 4, 5, 9, 7, 8,
        3, 6, 7, 4, 2, 0, 9, 5, 8, 1,
        5, 8, 6, 9, 7, 2, 0, 1, 3, 4,
        8, 9, 4, 5, 3, 6, 2, 0, 1, 7,
        9, 4, 3, 8, 6, 1, 7, 2, 0, 5,
        2, 5, 8, 1, 4, 3, 6, 7, 9, 0,
    ];

    /// <summary>Luhn mod 10 over all digits, the rightmost being the check digit (CORV).</summary>
    public static bool Luhn(ReadOnlySpan<char> digits)
    {
        if (digits.IsEmpty)
        {
            return false;
        }

        var sum = 0;
        var doubleIt = false;
        for (var i = digits.Length - 1; i >= 0; i--)
        {
            if (!TryDigit(digits[i], out var d))
            {
                return false;
            }

            if (doubleIt)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }

            // Reducing as we go keeps arbitrarily long input from overflowing.
            sum = (sum + d) % 10;
            doubleIt = !doubleIt;
        }

        return sum == 0;
    }

    /// <summary>
    /// Mod 11 with weights 9..2 over the first 8 digits; the 9th char is the check, <c>X</c> standing for 10 (QUIL).
    /// Only an uppercase <c>X</c> is accepted: normalisation uppercases before the check runs.
    /// </summary>
    public static bool Mod11(ReadOnlySpan<char> digits)
    {
        if (digits.Length != Mod11Length)
        {
            return false;
        }

        var sum = 0;
        for (var i = 0; i < Mod11Length - 1; i++)
        {
            if (!TryDigit(digits[i], out var d))
            {
                return false;
            }

            sum += d * (Mod11Length - i);
        }

        var check = (11 - (sum % 11)) % 11;
        var actual = digits[Mod11Length - 1];
        return check == 10 ? actual == 'X' : TryDigit(actual, out var given) && given == check;
    }

    /// <summary>
    /// ISO 7064 mod 97-10 (LUMO): valid iff the whole number, leading zeros included, is 1 mod 97.
    /// Needs at least one data digit besides the two check digits.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage(
        "Naming", "CA1707:Identifiers should not contain underscores", Justification = "Mirrors the stored name MOD97_10.")]
    public static bool Mod97_10(ReadOnlySpan<char> digits)
    {
        if (digits.Length < 3)
        {
            return false;
        }

        // Horner's rule with the remainder taken at every step: the same result as reducing the full
        // (12-digit, beyond 32-bit) number, and it cannot overflow 64 bits whatever the length.
        ulong remainder = 0;
        foreach (var c in digits)
        {
            if (!TryDigit(c, out var d))
            {
                return false;
            }

            remainder = ((remainder * 10) + (ulong)d) % 97;
        }

        return remainder == 1;
    }

    /// <summary>Damm (HALC): valid iff the interim digit after all digits, check digit included, is 0.</summary>
    public static bool Damm(ReadOnlySpan<char> digits)
    {
        if (digits.IsEmpty)
        {
            return false;
        }

        var table = DammTable;
        var interim = 0;
        foreach (var c in digits)
        {
            if (!TryDigit(c, out var d))
            {
                return false;
            }

            interim = table[(interim * 10) + d];
        }

        return interim == 0;
    }

    /// <summary>
    /// Maps a stored algorithm name (<c>LUHN</c>, <c>MOD11</c>, <c>MOD97_10</c>, <c>DAMM</c>, <c>NONE</c>; exact,
    /// case-sensitive) to its validator. <c>NONE</c> accepts everything.
    /// </summary>
    /// <exception cref="ArgumentException">The name is not a known algorithm.</exception>
    public static Func<ReadOnlySpan<char>, bool> Resolve(string algorithm)
    {
        ArgumentNullException.ThrowIfNull(algorithm);
        return algorithm switch
        {
            "LUHN" => Luhn,
            "MOD11" => Mod11,
            "MOD97_10" => Mod97_10,
            "DAMM" => Damm,
            "NONE" => static _ => true,
            _ => throw new ArgumentException($"Unknown check-digit algorithm '{algorithm}'.", nameof(algorithm)),
        };
    }

    private static bool TryDigit(char c, out int digit)
    {
        digit = c - '0';
        return (uint)digit <= 9;
    }
}
