using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Sovereignty.Testing;

/// <summary>
/// A real WebDAV server for tests: Debian's nginx with its core DAV module (PUT, DELETE,
/// MKCOL, COPY, MOVE) and <c>libnginx-mod-http-dav-ext</c> (PROPFIND, OPTIONS), listening on
/// 127.0.0.1 on a free port, with its prefix, temp files and storage in a private temp dir.
/// </summary>
/// <remarks>
/// nginx writes a PUT body to a temp file and renames it into place only once the whole
/// body arrived, so an aborted upload never shows up in <see cref="StorageDirectory"/>.
/// Tests scan that folder to see exactly what the "cloud" holds. Disposing stops nginx
/// and deletes the directory.
/// </remarks>
public sealed class NginxWebDav : IAsyncDisposable
{
    /// <summary>Where Debian's nginx package puts the dav-ext module.</summary>
    public const string DavExtModulePath = "/usr/lib/nginx/modules/ngx_http_dav_ext_module.so";

    private const string NginxPath = "/usr/sbin/nginx";

    private readonly string _root;
    private Process? _process;

    private NginxWebDav(string root, int port)
    {
        _root = root;
        Port = port;
    }

    /// <summary>The TCP port nginx listens on (127.0.0.1).</summary>
    public int Port { get; }

    /// <summary>Base address, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress => new($"http://127.0.0.1:{Port}/");

    /// <summary>The folder nginx stores uploaded files in.</summary>
    public string StorageDirectory => Path.Combine(_root, "store");

    /// <summary>Starts nginx; retries on a port taken between picking and binding it.</summary>
    public static async Task<NginxWebDav> StartAsync(CancellationToken cancellationToken = default)
    {
        if (!File.Exists(NginxPath) || !File.Exists(DavExtModulePath))
        {
            throw new InvalidOperationException(
                $"nginx WebDAV needs {NginxPath} and {DavExtModulePath}: run scripts/install-deps.sh.");
        }

        Exception? last = null;
        for (int attempt = 0; attempt < 5; attempt++)
        {
            string root = Directory.CreateTempSubdirectory("sovereignty-nginx-").FullName;
            int port = FreePort();
            var server = new NginxWebDav(root, port);
            try
            {
                await server.LaunchAsync(cancellationToken);
                return server;
            }
            catch (InvalidOperationException e)
            {
                last = e;
                TryDelete(root);
            }
        }

        throw new InvalidOperationException("nginx did not start after 5 attempts.", last);
    }

    /// <summary>Every stored file (full paths), recursively.</summary>
    public IReadOnlyList<string> StoredFiles() =>
        Directory.Exists(StorageDirectory)
            ? Directory.GetFiles(StorageDirectory, "*", SearchOption.AllDirectories)
            : [];

    /// <summary>The full path of the stored file behind a URL path such as <c>/docs/a.txt</c>.</summary>
    public string StoredPath(string urlPath) =>
        Path.Combine(StorageDirectory, urlPath.TrimStart('/').Replace('/', Path.DirectorySeparatorChar));

    /// <summary>Kills nginx, like a store that went away: its port refuses connections, its files stay.</summary>
    public async Task StopAsync()
    {
        if (_process is null)
        {
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
        _process = null;
    }

    /// <summary>Starts nginx again on the same port, over the same stored files.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await StopAsync();
        await LaunchAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        TryDelete(_root);
    }

    private async Task LaunchAsync(CancellationToken cancellationToken)
    {
        string root = _root;
        int port = Port;
        Directory.CreateDirectory(Path.Combine(root, "store"));
        Directory.CreateDirectory(Path.Combine(root, "tmp"));
        Directory.CreateDirectory(Path.Combine(root, "logs"));
        string conf = Path.Combine(root, "nginx.conf");
        await File.WriteAllTextAsync(conf, Config(root, port), cancellationToken);

        var info = new ProcessStartInfo(NginxPath)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("-p");
        info.ArgumentList.Add(root);
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(conf);
        var process = Process.Start(info) ?? throw new InvalidOperationException("nginx did not start.");
        _process = process;

        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            if (process.HasExited)
            {
                string error = await process.StandardError.ReadToEndAsync(cancellationToken);
                string log = File.Exists(Path.Combine(root, "logs", "error.log"))
                    ? await File.ReadAllTextAsync(Path.Combine(root, "logs", "error.log"), cancellationToken)
                    : string.Empty;
                int exitCode = process.ExitCode;
                await StopAsync();
                throw new InvalidOperationException($"nginx exited with {exitCode}: {error} {log}");
            }

            if (await AcceptsAsync(port, cancellationToken))
            {
                return;
            }

            await Task.Delay(25, cancellationToken);
        }

        await StopAsync();
        throw new InvalidOperationException($"nginx did not listen on 127.0.0.1:{port} within 10 s.");
    }

    private static string Config(string root, int port) => $$"""
        load_module {{DavExtModulePath}};
        daemon off;
        master_process off;
        worker_processes 1;
        pid {{root}}/nginx.pid;
        error_log {{root}}/logs/error.log warn;
        events { worker_connections 1024; }
        http {
          access_log off;
          client_body_temp_path {{root}}/tmp/body;
          proxy_temp_path {{root}}/tmp/proxy;
          fastcgi_temp_path {{root}}/tmp/fastcgi;
          uwsgi_temp_path {{root}}/tmp/uwsgi;
          scgi_temp_path {{root}}/tmp/scgi;
          client_max_body_size 0;
          client_body_buffer_size 1m;
          keepalive_requests 100000;
          server {
            listen 127.0.0.1:{{port}};
            root {{root}}/store;
            location / {
              dav_methods PUT DELETE MKCOL COPY MOVE;
              dav_ext_methods PROPFIND OPTIONS;
              create_full_put_path on;
              dav_access user:rw;
            }
          }
        }
        """;

    private static async Task<bool> AcceptsAsync(int port, CancellationToken cancellationToken)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
