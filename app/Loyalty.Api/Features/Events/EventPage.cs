using Loyalty.Api.Domain.Events;
using Loyalty.Api.Infrastructure.OpenApi;

namespace Loyalty.Api.Features.Events;

/// <summary>A page of the feed; poll again with <c>after=nextCursor</c>.</summary>
[OpenApiExample($$"""{"events":[{{EventView.Example}}],"nextCursor":"42"}""")]
public sealed record EventPage(IReadOnlyList<EventView> Events, string NextCursor);
