using System.Text.Json.Nodes;
using Loyalty.Api.Infrastructure.Auth;
using Loyalty.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;

namespace Loyalty.Api.Infrastructure.OpenApi;

public static class OpenApiSetup
{
    public const string DocumentName = "v1";
    public const string SecuritySchemeId = "cognito";

    public static IServiceCollection AddLoyaltyOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(DocumentName, options =>
        {
            options.AddDocumentTransformer((document, context, _) =>
            {
                var auth = context.ApplicationServices.GetRequiredService<IOptions<AuthOptions>>().Value;
                document.Info = new OpenApiInfo
                {
                    Title = "Loyalty API",
                    Version = "v1",
                    Description = "Turn card reward points into airline and hotel loyalty currency: the programme catalogue, member checks, accruals, transaction enquiry and the event feed. Errors are RFC 9457 problem details with a stable type URI.",
                };
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[SecuritySchemeId] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.OAuth2,
                    Description = "Client-credentials access token from the stage's Cognito user pool (locally: `make token`). Send it as `Authorization: Bearer <token>`.",
                    Flows = new OpenApiOAuthFlows
                    {
                        ClientCredentials = new OpenApiOAuthFlow
                        {
                            TokenUrl = new Uri(auth.TokenEndpoint ?? auth.Issuer),
                            Scopes = Scopes.Descriptions.ToDictionary(),
                        },
                    },
                };
                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                // Each endpoint's scope is the name of its policy: the document says exactly what the code enforces.
                var scopes = context.Description.ActionDescriptor.EndpointMetadata
                    .OfType<IAuthorizeData>()
                    .Select(a => a.Policy)
                    .OfType<string>()
                    .Where(Scopes.All.Contains)
                    .Distinct()
                    .ToList();
                if (scopes.Count > 0)
                {
                    operation.Security =
                    [
                        new OpenApiSecurityRequirement
                        {
                            [new OpenApiSecuritySchemeReference(SecuritySchemeId, context.Document)] = scopes,
                        },
                    ];
                }

                return Task.CompletedTask;
            });
            options.AddSchemaTransformer((schema, context, _) =>
            {
                if (context.JsonPropertyInfo?.AttributeProvider?.GetCustomAttributes(typeof(OpenApiIntegerAttribute), inherit: false)
                        is [OpenApiIntegerAttribute integer, ..])
                {
                    schema.Type = JsonSchemaType.Integer;
                    schema.Format = "int64";
                    schema.Description = integer.Description;
                }

                if (OpenApiExamples.For(context.JsonTypeInfo.Type) is { } example)
                {
                    schema.Examples = [example];
                }

                return Task.CompletedTask;
            });
        });
}
