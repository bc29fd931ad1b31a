using Loyalty.Api.Domain.Events;

namespace Loyalty.Api.Features.Events;

/// <summary>A page of the feed; poll again with <c>after=nextCursor</c>.</summary>
public sealed record EventPage(IReadOnlyList<EventView> Events, string NextCursor);
