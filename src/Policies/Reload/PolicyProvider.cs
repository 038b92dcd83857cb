using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sovereignty.Policies.Loading;
using Sovereignty.Policies.Model;
using Sovereignty.Policies.Validation;

namespace Sovereignty.Policies.Reload;

/// <summary>
/// Holds the live policy and replaces it when the directory changes. A change is
/// validated as a whole before it is swapped in atomically: an evaluation that read
/// <see cref="Current"/> keeps using that one consistent policy, and an invalid change
/// leaves the last good policy in force and is reported (log event + <see cref="Status"/>).
/// The first load failing throws, so the host stops with every error listed.
/// </summary>
/// <remarks>
/// Changes are noticed by a <see cref="FileSystemWatcher"/> (debounced), and by a periodic
/// content-hash check in case the watcher misses events. Reloads are serialised; readers
/// never wait for them.
/// </remarks>
public sealed class PolicyProvider : IDisposable
{
    private readonly PolicyLoader _loader;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly string _directory;
    private readonly TimeSpan _debounce;
    private readonly Lock _reloadLock = new();
    private readonly ITimer _debounceTimer;
    private readonly ITimer? _pollTimer;
    private FileSystemWatcher? _watcher;
    private CompiledPolicy _current;
    private PolicyStatus _status;

    /// <exception cref="PolicyValidationException">The policy directory is invalid at start-up.</exception>
    public PolicyProvider(IOptions<PolicyProviderOptions> options, PolicyLoader loader, ILogger<PolicyProvider> logger, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loader);
        var settings = options.Value;
        _loader = loader;
        _logger = logger;
        _time = timeProvider;
        _directory = settings.Directory;
        _debounce = settings.Debounce;

        var result = _loader.Load(_directory);
        if (!result.Succeeded)
        {
            throw new PolicyValidationException(result.Errors);
        }

        _current = result.Policy!;
        var now = _time.GetUtcNow();
        _status = new PolicyStatus(_directory, _current.Version, _current.Name, now, now, null, null, []);
        PolicyProviderLog.PolicyLoaded(_logger, _current.Name, _current.Version, _directory, _current.Rules.Count);

        _debounceTimer = _time.CreateTimer(_ => ReloadSafely(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        if (settings.PollInterval > TimeSpan.Zero)
        {
            _pollTimer = _time.CreateTimer(_ => ReloadSafely(), null, settings.PollInterval, settings.PollInterval);
        }

        if (settings.Watch)
        {
            StartWatching();
        }
    }

    /// <summary>The policy in force. Read it once per classification and use that instance throughout.</summary>
    public CompiledPolicy Current => Volatile.Read(ref _current);

    /// <summary>Current version, when it was loaded, and the errors of the last rejected change.</summary>
    public PolicyStatus Status => Volatile.Read(ref _status);

    /// <summary>
    /// Reads the directory now; swaps the policy in when its content changed and is valid.
    /// Returns true when a new policy was swapped in.
    /// </summary>
    public bool Reload()
    {
        lock (_reloadLock)
        {
            var now = _time.GetUtcNow();
            var current = Current;
            var files = PolicyFileSet.Read(_directory);
            if (files.Version == current.Version)
            {
                // Unchanged, or reverted to the policy in force: nothing is pending any more.
                Volatile.Write(ref _status, Status with { LastCheckedAt = now, RejectedVersion = null, RejectedAt = null, LastErrors = [] });
                return false;
            }

            if (files.Version == Status.RejectedVersion)
            {
                // Already rejected and reported; wait for the next edit.
                Volatile.Write(ref _status, Status with { LastCheckedAt = now });
                return false;
            }

            var result = _loader.Load(files);
            if (!result.Succeeded)
            {
                Volatile.Write(ref _status, Status with { LastCheckedAt = now, RejectedVersion = files.Version, RejectedAt = now, LastErrors = result.Errors });
                PolicyProviderLog.PolicyReloadRejected(
                    _logger, _directory, files.Version, result.Errors.Count, current.Version, string.Join(Environment.NewLine, result.Errors));
                return false;
            }

            var loaded = result.Policy!;
            Volatile.Write(ref _current, loaded);
            Volatile.Write(ref _status, new PolicyStatus(_directory, loaded.Version, loaded.Name, now, now, null, null, []));
            PolicyProviderLog.PolicyLoaded(_logger, loaded.Name, loaded.Version, _directory, loaded.Rules.Count);
            return true;
        }
    }

    public void Dispose()
    {
        _watcher?.Dispose();
        _debounceTimer.Dispose();
        _pollTimer?.Dispose();
    }

    private void ReloadSafely()
    {
        try
        {
            Reload();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            PolicyProviderLog.PolicyReloadFailed(_logger, _directory, Current.Version, ex);
        }
    }

    private void StartWatching()
    {
        try
        {
            var watcher = new FileSystemWatcher(_directory)
            {
                IncludeSubdirectories = false,
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
            };
            watcher.Changed += OnFileEvent;
            watcher.Created += OnFileEvent;
            watcher.Deleted += OnFileEvent;
            watcher.Renamed += OnFileEvent;
            watcher.Error += (_, e) => PolicyProviderLog.PolicyWatchFailed(_logger, _directory, e.GetException());
            watcher.EnableRaisingEvents = true;
            _watcher = watcher;
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or PlatformNotSupportedException)
        {
            PolicyProviderLog.PolicyWatchFailed(_logger, _directory, ex);
        }
    }

    // Each event pushes the reload back: it runs once the directory has been quiet for the debounce time.
    private void OnFileEvent(object sender, FileSystemEventArgs e) =>
        _debounceTimer.Change(_debounce, Timeout.InfiniteTimeSpan);
}
