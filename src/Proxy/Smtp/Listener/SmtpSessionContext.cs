using System.Net.Security;
using Sovereignty.Proxy.Smtp.Auth;
using Sovereignty.Proxy.Smtp.Spool;
using Sovereignty.Proxy.Smtp.Transform;

namespace Sovereignty.Proxy.Smtp.Listener;

/// <summary>What every session of one listener shares, built once at start-up.</summary>
internal sealed record SmtpSessionContext(
    SmtpRelayOptions Options,
    SslStreamCertificateContext? Certificate,
    CredentialStore Credentials,
    ClientNetworks AllowedNetworks,
    IMessageTransformer Transformer,
    SpoolStore Spool,
    TimeProvider TimeProvider,
    ILogger Logger)
{
    public bool CanStartTls => Certificate is not null;

    public bool CanAuthenticate => Certificate is not null && !Credentials.IsEmpty;
}
