using System.Text.Json;

namespace Loyalty.Core.PartnerFiles;

/// <summary>One JSON Lines object with the line it came from, read strictly: exact properties of exact JSON types.</summary>
internal readonly record struct JsonRecord(JsonElement Element, FileLine At)
{
    /// <summary>The record type, <c>rec</c>.</summary>
    public string Kind => GetString("rec");

    /// <summary>Refuses an object with a property missing or one it should not have (duplicates never parse).</summary>
    public void ExpectProperties(params ReadOnlySpan<string> names)
    {
        var count = 0;
        foreach (var property in Element.EnumerateObject())
        {
            if (!names.Contains(property.Name))
            {
                throw At.Fail($"a \"{Kind}\" object has no property \"{property.Name}\"");
            }

            count++;
        }

        if (count < names.Length)
        {
            foreach (var name in names)
            {
                Get(name);
            }
        }
    }

    public string GetString(string name)
    {
        var value = Get(name);
        if (value.ValueKind != JsonValueKind.String)
        {
            throw At.Fail($"\"{name}\" is not a string");
        }

        try
        {
            return value.GetString() ?? "";
        }
        catch (InvalidOperationException)
        {
            // An escaped lone surrogate ("\uD800") is valid JSON but not text.
            throw At.Fail($"\"{name}\" is not valid Unicode text");
        }
    }

    /// <summary>A whole number of 0 or more: <c>100.0</c>, <c>1e2</c> and <c>"100"</c> are refused.</summary>
    public long GetAmount(string name) =>
        Get(name) is { ValueKind: JsonValueKind.Number } value && value.TryGetInt64(out var number) && number >= 0
            ? number
            : throw At.Fail($"\"{name}\" is not a whole number of 0 or more");

    public int GetCount(string name)
    {
        var value = GetAmount(name);
        return value <= int.MaxValue ? (int)value : throw At.Fail($"\"{name}\" {value} is too large");
    }

    private JsonElement Get(string name) =>
        Element.TryGetProperty(name, out var value) ? value : throw At.Fail($"the object has no \"{name}\"");
}
