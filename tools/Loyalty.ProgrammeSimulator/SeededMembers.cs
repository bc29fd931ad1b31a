using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Loyalty.Core;
using Loyalty.Core.PartnerFiles;

namespace Loyalty.Simulation;

public enum MemberStatus
{
    Active,
    Closed,
    Suspended,
}

/// <summary>A member as the programme records it: canonical id (DOMAIN.md §3.2) and the names the rule compares.</summary>
public sealed record SeededMember(string MemberId, string? GivenName, string? Surname, MemberStatus Status);

/// <summary>One programme's members and the rule it matches names by (DOMAIN.md §3.1).</summary>
public sealed class ProgrammeMembers
{
    private readonly FrozenDictionary<string, SeededMember> byId;

    /// <exception cref="ArgumentException">A member id is listed twice.</exception>
    public ProgrammeMembers(string programmeCode, NameRule nameRule, IEnumerable<SeededMember> members)
    {
        ArgumentNullException.ThrowIfNull(programmeCode);
        ArgumentNullException.ThrowIfNull(members);
        ProgrammeCode = programmeCode;
        NameRule = nameRule;
        // Member ids are canonical (what accrual files carry), so they match ordinally.
        byId = members.ToFrozenDictionary(member => member.MemberId, StringComparer.Ordinal);
    }

    public string ProgrammeCode { get; }

    public NameRule NameRule { get; }

    public IReadOnlyCollection<SeededMember> Members => byId.Values;

    public bool TryFind(string memberId, [NotNullWhen(true)] out SeededMember? member)
    {
        ArgumentNullException.ThrowIfNull(memberId);
        return byId.TryGetValue(memberId, out member);
    }
}

/// <summary>
/// The members the simulated programmes know, read from a JSON file (members.json beside the binary):
/// <c>{"CORV": {"nameRule": "SURNAME_FOLD", "members": [{"memberId", "givenName", "surname", "status"}]}}</c>
/// with status <c>active</c>, <c>closed</c> or <c>suspended</c>.
/// </summary>
public sealed class SeededMembers
{
    public const string DefaultFileName = "members.json";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNameCaseInsensitive = false,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
    };

    private readonly FrozenDictionary<string, ProgrammeMembers> programmes;

    public SeededMembers(IEnumerable<ProgrammeMembers> programmes)
    {
        ArgumentNullException.ThrowIfNull(programmes);
        this.programmes = programmes.ToFrozenDictionary(p => p.ProgrammeCode, StringComparer.Ordinal);
    }

    /// <summary>The members.json copied beside the simulator (and beside anything that references it).</summary>
    public static string DefaultPath => Path.Combine(AppContext.BaseDirectory, DefaultFileName);

    public IReadOnlyDictionary<string, ProgrammeMembers> Programmes => programmes;

    /// <exception cref="KeyNotFoundException">No members are seeded for the programme.</exception>
    public ProgrammeMembers For(string programmeCode) =>
        programmes.TryGetValue(programmeCode, out var members)
            ? members
            : throw new KeyNotFoundException($"No members are seeded for programme '{programmeCode}'.");

    /// <exception cref="InvalidDataException">The file is not valid members data; the message says where.</exception>
    public static async Task<SeededMembers> LoadAsync(string path, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(path);
        var json = await File.ReadAllTextAsync(path, cancellationToken);
        return Parse(json, path);
    }

    /// <param name="source">Names the data in error messages (a file path).</param>
    /// <exception cref="InvalidDataException">The text is not valid members data; the message says where.</exception>
    public static SeededMembers Parse(string json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        Dictionary<string, ProgrammeEntry>? entries;
        try
        {
            entries = JsonSerializer.Deserialize<Dictionary<string, ProgrammeEntry>>(json, Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: {e.Message}", e);
        }

        if (entries is null)
        {
            throw new InvalidDataException($"{source}: expected an object of programmes, found null");
        }

        return new SeededMembers(entries.Select(pair => ToProgramme(source, pair.Key, pair.Value)));
    }

    private static ProgrammeMembers ToProgramme(string source, string code, ProgrammeEntry entry)
    {
        var where = $"{source}: {code}";
        if (!ProgrammeDefinitions.TryGet(code, out var programme))
        {
            throw new InvalidDataException($"{where}: not a programme with partner files");
        }

        var spec = programme.Exchange;

        NameRule rule;
        try
        {
            rule = PersonNames.ParseRule(entry.NameRule);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{where}: {e.Message}", e);
        }

        if (rule != NameRule.None && !spec.OutcomeCodes.TryGetCode(CanonicalOutcome.NameMismatch, out _))
        {
            throw new InvalidDataException($"{where}: rule {entry.NameRule} can fail, but the programme has no NAME_MISMATCH code");
        }

        if (rule != programme.NameRule)
        {
            // The file names the rule so it reads on its own; the programme's definition decides it.
            throw new InvalidDataException($"{where}: rule {entry.NameRule}, but the programme matches names by {PersonNames.ToCode(programme.NameRule)}");
        }

        var members = entry.Members.Select(member => ToMember(where, rule, member)).ToList();
        var duplicate = members.GroupBy(m => m.MemberId, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        return duplicate is null
            ? new ProgrammeMembers(code, rule, members)
            : throw new InvalidDataException($"{where}: member {duplicate.Key} is listed {duplicate.Count()} times");
    }

    private static SeededMember ToMember(string where, NameRule rule, MemberEntry entry)
    {
        where = $"{where}: member {entry.MemberId}";
        if (string.IsNullOrWhiteSpace(entry.MemberId))
        {
            throw new InvalidDataException($"{where}: memberId is blank");
        }

        if (PersonNames.RequiresGivenName(rule) && string.IsNullOrWhiteSpace(entry.GivenName))
        {
            throw new InvalidDataException($"{where}: the programme's name rule needs a givenName");
        }

        if (PersonNames.RequiresSurname(rule) && string.IsNullOrWhiteSpace(entry.Surname))
        {
            throw new InvalidDataException($"{where}: the programme's name rule needs a surname");
        }

        var status = entry.Status switch
        {
            "active" => MemberStatus.Active,
            "closed" => MemberStatus.Closed,
            "suspended" => MemberStatus.Suspended,
            _ => throw new InvalidDataException($"{where}: status '{entry.Status}' is not active, closed or suspended"),
        };
        return new SeededMember(entry.MemberId, entry.GivenName, entry.Surname, status);
    }

    private sealed record ProgrammeEntry(string NameRule, IReadOnlyList<MemberEntry> Members);

    private sealed record MemberEntry(string MemberId, string? GivenName, string? Surname, string Status);
}
