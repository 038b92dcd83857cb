using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace Sovereignty.Proxy.Identity;

/// <summary>Turns <see cref="IdentityOptions"/> into the JWT bearer handler's settings.</summary>
internal sealed class ConfigureJwtBearer(IOptions<IdentityOptions> identityOptions, ValidatedTokenCache tokenCache) : IConfigureNamedOptions<JwtBearerOptions>
{
    public void Configure(JwtBearerOptions options) => Configure(JwtBearerDefaults.AuthenticationScheme, options);

    public void Configure(string? name, JwtBearerOptions options)
    {
        if (name != JwtBearerDefaults.AuthenticationScheme)
        {
            return;
        }

        IdentityOptions identity = identityOptions.Value;
        // Keep the token's own claim names ("sub", "groups"): the policy and the audit log use them.
        options.MapInboundClaims = false;
        options.RequireHttpsMetadata = identity.RequireHttpsMetadata;
        options.TokenValidationParameters = new TokenValidationParameters
        {
            ValidateIssuer = true,
            ValidIssuer = identity.Issuer,
            ValidateAudience = true,
            ValidAudience = identity.Audience,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidateIssuerSigningKey = true,
            ClockSkew = identity.ClockSkew,
            NameClaimType = identity.SubjectClaim,
            ValidAlgorithms =
            [
                SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
                SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.RsaSsaPssSha384, SecurityAlgorithms.RsaSsaPssSha512,
                SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384, SecurityAlgorithms.EcdsaSha512,
            ],
        };

        options.Events = new JwtBearerEvents
        {
            OnMessageReceived = context =>
            {
                if (tokenCache.TryGet(BearerToken(context.Request), out ClaimsPrincipal? principal))
                {
                    context.Principal = principal;
                    context.Success();
                }

                return Task.CompletedTask;
            },
            OnTokenValidated = context =>
            {
                if (context.SecurityToken is JsonWebToken { EncodedToken: string token, ValidTo: DateTime validTo } && context.Principal is not null)
                {
                    tokenCache.Add(token, context.Principal, new DateTimeOffset(DateTime.SpecifyKind(validTo, DateTimeKind.Utc)));
                }

                return Task.CompletedTask;
            },
        };

        var keys = new List<SecurityKey>();
        foreach (string pem in identity.SigningKeys.Concat(identity.SigningKeyFiles.Select(File.ReadAllText)))
        {
            if (SigningKeyLoader.TryLoad(pem, out SecurityKey? key, out _))
            {
                keys.Add(key);
            }
        }

        if (keys.Count > 0)
        {
            options.TokenValidationParameters.IssuerSigningKeys = keys;
        }
        else if (identity.JwksUrl is not null)
        {
            // A bare JWKS document is not an OpenID configuration: a retriever of our own turns
            // it into one, so the handler's cache and refresh-on-unknown-kid logic still apply.
            options.ConfigurationManager = new ConfigurationManager<OpenIdConnectConfiguration>(
                identity.JwksUrl.ToString(),
                new JwksConfigurationRetriever(),
                new HttpDocumentRetriever { RequireHttps = identity.RequireHttpsMetadata });
        }
        else if (identity.Authority is not null)
        {
            options.Authority = identity.Authority.ToString();
        }
    }

    // The same token the handler would read ("Authorization: Bearer <token>"), without copying it; empty when there is none.
    private static ReadOnlySpan<char> BearerToken(HttpRequest request)
    {
        const string Scheme = "Bearer ";
        string? authorization = request.Headers.Authorization;
        return authorization is not null && authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase)
            ? authorization.AsSpan(Scheme.Length).Trim()
            : [];
    }
}
