using System.Buffers;
using System.Globalization;
using System.Text;

namespace Loyalty.Core;

/// <summary>Name folding (DOMAIN.md §3.1 <c>FOLD</c>) and the Latin-1 transliteration used for HALC files.</summary>
public static class NameFold
{
    private const int StackBufferLength = 256;
    private const char RightSingleQuote = '\u2019';

    /// <summary>
    /// trim; NFKD; drop Mn; map ß Æ Œ Ø Ł Đ Þ (either case); uppercase (invariant); <c>-</c> → space;
    /// remove <c>'</c> <c>’</c> <c>.</c>; collapse whitespace runs to one space; trim.
    /// </summary>
    public static string Fold(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var decomposed = NormalizeSafe(value, NormalizationForm.FormKD);

        // Each input rune (one or two chars) yields at most two chars (ß→SS, Þ→TH, a supplementary uppercase).
        var maxLength = decomposed.Length * 2;
        char[]? rented = null;
        var buffer = maxLength <= StackBufferLength
            ? stackalloc char[StackBufferLength]
            : (rented = ArrayPool<char>.Shared.Rent(maxLength));
        try
        {
            var written = FoldInto(decomposed, buffer);
            return new string(buffer[..written]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// The name as a HALC (ISO-8859-1) file carries it: NFC, Latin-1 chars kept as-is, every other char
    /// replaced by its own <see cref="Fold"/> (lowercase kept lowercase, so <c>Dvořák</c> → <c>Dvorák</c>).
    /// Returns null when some char cannot be carried (for example a CJK surname): <c>NAME_UNREPRESENTABLE</c>.
    /// </summary>
    public static string? ToLatin1(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var composed = NormalizeSafe(value, NormalizationForm.FormC);
        if (!composed.AsSpan().ContainsAnyExceptInRange('\0', '\u00FF'))
        {
            return composed;
        }

        var builder = new StringBuilder(composed.Length);
        foreach (var rune in composed.EnumerateRunes())
        {
            if (rune.Value <= 0xFF)
            {
                builder.Append((char)rune.Value);
            }
            else if (rune.Value == RightSingleQuote)
            {
                // FOLD would delete it, turning O’Brien into OBrien; Latin-1 has the plain apostrophe, which
                // every programme-side rule treats the same way.
                builder.Append('\'');
            }
            else if (Rune.IsWhiteSpace(rune))
            {
                builder.Append(' ');
            }
            else if (CharUnicodeInfo.GetUnicodeCategory(rune.Value) == UnicodeCategory.NonSpacingMark)
            {
                // A mark NFC could not compose with its base (x̌): FOLD drops it as well, and the base
                // letter before it already carries the name.
            }
            else if (!AppendFoldedRune(builder, rune))
            {
                return null;
            }
        }

        return builder.ToString();
    }

    /// <summary>
    /// <see cref="string.Normalize(NormalizationForm)"/> throws on ill-formed UTF-16, which JSON input can carry
    /// (<c>"\uD800"</c>); lone surrogates become U+FFFD first so callers never see that exception.
    /// </summary>
    internal static string NormalizeSafe(string value, NormalizationForm form)
    {
        var text = HasLoneSurrogate(value) ? ReplaceLoneSurrogates(value) : value;
        return text.Normalize(form);
    }

    internal static bool HasLoneSurrogate(ReadOnlySpan<char> value)
    {
        var index = value.IndexOfAnyInRange('\uD800', '\uDFFF');
        if (index < 0)
        {
            return false;
        }

        for (var i = index; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Trims and turns every whitespace run into one U+0020; returns <paramref name="value"/> when already so.</summary>
    internal static string CollapseWhitespace(string value)
    {
        if (IsCollapsed(value))
        {
            return value;
        }

        var buffer = new StringBuilder(value.Length);
        var pendingSpace = false;
        foreach (var c in value)
        {
            if (char.IsWhiteSpace(c))
            {
                pendingSpace = buffer.Length > 0;
                continue;
            }

            if (pendingSpace)
            {
                buffer.Append(' ');
                pendingSpace = false;
            }

            buffer.Append(c);
        }

        return buffer.ToString();
    }

    private static bool IsCollapsed(string value)
    {
        var previousWasSpace = true; // a leading space is not collapsed
        foreach (var c in value)
        {
            var isWhiteSpace = char.IsWhiteSpace(c);
            if (isWhiteSpace && (c != ' ' || previousWasSpace))
            {
                return false;
            }

            previousWasSpace = isWhiteSpace;
        }

        return !previousWasSpace || value.Length == 0;
    }

    private static int FoldInto(string decomposed, Span<char> destination)
    {
        var written = 0;
        var pendingSpace = false;
        foreach (var rune in decomposed.EnumerateRunes())
        {
            var value = rune.Value;
            if (value is '\'' or RightSingleQuote or '.'
                || CharUnicodeInfo.GetUnicodeCategory(value) == UnicodeCategory.NonSpacingMark)
            {
                continue;
            }

            if (value == '-' || Rune.IsWhiteSpace(rune))
            {
                // Only a space between two kept chars survives: this collapses runs and trims both ends.
                pendingSpace = written > 0;
                continue;
            }

            if (pendingSpace)
            {
                destination[written++] = ' ';
                pendingSpace = false;
            }

            written += value switch
            {
                'ß' or 'ẞ' => Write(destination, written, 'S', 'S'),
                'Æ' or 'æ' => Write(destination, written, 'A', 'E'),
                'Œ' or 'œ' => Write(destination, written, 'O', 'E'),
                'Ø' or 'ø' => Write(destination, written, 'O'),
                'Ł' or 'ł' => Write(destination, written, 'L'),
                'Đ' or 'đ' => Write(destination, written, 'D'),
                'Þ' or 'þ' => Write(destination, written, 'T', 'H'),
                _ => Rune.ToUpperInvariant(rune).EncodeToUtf16(destination[written..]),
            };
        }

        return written;
    }

    private static int Write(Span<char> destination, int at, char first)
    {
        destination[at] = first;
        return 1;
    }

    private static int Write(Span<char> destination, int at, char first, char second)
    {
        destination[at] = first;
        destination[at + 1] = second;
        return 2;
    }

    private static bool AppendFoldedRune(StringBuilder builder, Rune rune)
    {
        var folded = Fold(rune.ToString());
        if (folded.Length == 0 || folded.AsSpan().ContainsAnyExceptInRange('\0', '\u00FF'))
        {
            return false;
        }

        var lower = Rune.IsLower(rune);
        foreach (var c in folded)
        {
            builder.Append(lower ? char.ToLowerInvariant(c) : c);
        }

        return true;
    }

    private static string ReplaceLoneSurrogates(string value)
    {
        var builder = new StringBuilder(value.Length);
        Span<char> encoded = stackalloc char[2];
        foreach (var rune in value.EnumerateRunes())
        {
            // EnumerateRunes already yields U+FFFD for each ill-formed code unit.
            builder.Append(encoded[..rune.EncodeToUtf16(encoded)]);
        }

        return builder.ToString();
    }
}
