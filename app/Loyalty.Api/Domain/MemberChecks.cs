using Loyalty.Api.Domain.Catalogue;
using Loyalty.Api.Infrastructure;
using Loyalty.Core;

namespace Loyalty.Api.Domain;

/// <summary>The member id and name checks a programme makes, shared by validation and accrual requests.</summary>
public static class MemberChecks
{
    public const string MemberIdField = "memberId";
    public const string GivenNameField = "givenName";
    public const string SurnameField = "surname";

    /// <summary>Adds every failing field to <paramref name="errors"/>; returns the normalised member id.</summary>
    public static string? Check(Programme programme, string? memberId, string? givenName, string? surname, List<FieldError> errors)
    {
        var id = programme.MemberIdRule.Check(memberId);
        if (id.ErrorCode is { } idError)
        {
            errors.Add(new FieldError(MemberIdField, idError));
        }

        if (PersonNames.Check(givenName, PersonNames.RequiresGivenName(programme.NameRule), programme.Latin1NamesOnly) is { } givenError)
        {
            errors.Add(new FieldError(GivenNameField, givenError));
        }

        if (PersonNames.Check(surname, PersonNames.RequiresSurname(programme.NameRule), programme.Latin1NamesOnly) is { } surnameError)
        {
            errors.Add(new FieldError(SurnameField, surnameError));
        }

        return id.NormalisedMemberId;
    }
}
