using DeepFM.Serialization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DeepFM.Serving;

/// <summary>
/// Holds the model being served and replaces it on request or when its file changes. A replacement is loaded
/// completely (checksum, parameters, instance pool) before one reference write publishes it, so requests never see a
/// half-loaded model and none is dropped; a file that fails to load leaves the old model serving.
/// </summary>
public sealed class ModelHost : IDisposable
{
    private readonly ServingOptions _options;
    private readonly ServingMetrics _metrics;
    private readonly ILogger _log;
    private readonly SemaphoreSlim _reloadLock = new(1, 1);
    private readonly Timer _debounce;
    private LoadedModel? _current;
    private FileSystemWatcher? _watcher;
    private string? _watched;
    private bool _disposed;

    /// <summary>A host with no model yet; <see cref="LoadAsync"/> loads the configured one.</summary>
    public ModelHost(ServingOptions options, ServingMetrics metrics, ILogger<ModelHost>? logger = null)
    {
        _options = options;
        _metrics = metrics;
        _log = logger ?? (ILogger)NullLogger.Instance;
        _debounce = new Timer(_ => _ = ReloadFromWatchAsync());
        metrics.Describe(() => Loaded);
    }

    /// <summary>The model serving now, or null before the first load succeeds. Read it once per request: a reload may
    /// replace it at any moment.</summary>
    public LoadedModel? Loaded => Volatile.Read(ref _current);

    /// <summary>The model serving now.</summary>
    /// <exception cref="InvalidOperationException">No model is loaded yet.</exception>
    public LoadedModel Current => Loaded ?? throw new InvalidOperationException("no model is loaded yet");

    /// <summary>Why the first load failed (readiness reports it), or null.</summary>
    public string? LoadError { get; private set; }

    /// <summary>Raised after a successful reload (tests and logs).</summary>
    public event Action<LoadedModel>? Reloaded;

    /// <summary>Loads <see cref="ServingOptions.ModelPath"/> and starts the file watch when it is on. The watch starts
    /// even when the load fails, so a model written later is picked up.</summary>
    /// <exception cref="UserInputException">The model file cannot be loaded.</exception>
    public async Task<LoadedModel> LoadAsync(CancellationToken cancel = default)
    {
        await _reloadLock.WaitAsync(cancel).ConfigureAwait(false);
        try
        {
            return (await LoadAndSwapAsync(_options.ModelPath, onlyIfChanged: false, initial: true).ConfigureAwait(false))!;
        }
        catch (UserInputException e)
        {
            LoadError = e.Message;
            throw;
        }
        finally
        {
            if (_options.Watch && _watched is null) Watch(_options.ModelPath);
            _reloadLock.Release();
        }
    }

    /// <summary>
    /// Loads <paramref name="path"/> (default: the current model's path) and makes it the served model. Reloads run one
    /// at a time. The caller checks where the path may lead (the HTTP endpoint limits it to the model directory).
    /// </summary>
    /// <exception cref="UserInputException">The file cannot be loaded; the old model keeps serving.</exception>
    public async Task<LoadedModel> ReloadAsync(string? path = null, CancellationToken cancel = default)
    {
        await _reloadLock.WaitAsync(cancel).ConfigureAwait(false);
        try
        {
            return await LoadAndSwapAsync(path ?? Loaded?.Path ?? _options.ModelPath, onlyIfChanged: false, initial: false).ConfigureAwait(false)
                   ?? Current;
        }
        finally
        {
            _reloadLock.Release();
        }
    }

    private async Task<LoadedModel?> LoadAndSwapAsync(string path, bool onlyIfChanged, bool initial)
    {
        var old = Loaded;
        try
        {
            // A touched but identical file (same SHA-256) is not worth a reload.
            if (onlyIfChanged && old is not null && Path.GetFullPath(path) == Path.GetFullPath(old.Path) && File.Exists(path) && ModelFile.FileChecksum(path) == old.Checksum) return null;
            // Only a regular file of bounded size is read (a device such as /dev/zero never ends), off the request
            // thread (loading reads and hashes the whole file), and a reload for at most the reload timeout (the first
            // load has no old model to fall back on, so it may take as long as the file needs).
            CheckModelFile(path, _options.MaxModelBytes);
            var load = Task.Run(() => LoadedModel.Load(path, _options.EffectiveWorkers, _options.ChunkRows, _options.Threads));
            LoadedModel loaded;
            try
            {
                loaded = initial ? await load.ConfigureAwait(false) : await load.WaitAsync(_options.ReloadTimeout).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                throw new UserInputException($"{path}: loading the model took longer than {_options.ReloadTimeout.TotalSeconds:0.#} s; reload abandoned.");
            }
            Volatile.Write(ref _current, loaded);
            LoadError = null;
            if (!initial) _metrics.Reloaded(ok: true);
            _log.LogInformation("now serving {Path} ({Model}, sha256 {Checksum})", loaded.Path, loaded.Saved.Model.Config.Model, loaded.Checksum[..12]);
            if (_options.Watch && _watched is not null && !string.Equals(Path.GetFullPath(path), _watched, StringComparison.Ordinal))
                Watch(loaded.Path);
            Reloaded?.Invoke(loaded);
            return loaded;
        }
        catch (Exception e) when (e is UserInputException or IOException or UnauthorizedAccessException)
        {
            if (!initial) _metrics.Reloaded(ok: false);
            if (old is null) _log.LogError("cannot load {Path}: {Reason}", path, e.Message);
            else _log.LogWarning("reload of {Path} rejected, still serving {Old}: {Reason}", path, old.Path, e.Message);
            if (e is UserInputException) throw;
            throw new UserInputException($"{path}: cannot read the model file ({e.Message}).", e);
        }
    }

    private void Watch(string path)
    {
        _watcher?.Dispose();
        _watcher = null;
        string full = Path.GetFullPath(path);
        _watched = full;
        try
        {
            var w = new FileSystemWatcher(Path.GetDirectoryName(full)!, Path.GetFileName(full))
            {
                // ModelFile.Save writes a temporary file and renames it over the model: a rename, not a write.
                NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size | NotifyFilters.CreationTime,
            };
            w.Changed += OnFileEvent;
            w.Created += OnFileEvent;
            w.Renamed += OnFileEvent;
            w.EnableRaisingEvents = true;
            _watcher = w;
        }
        catch (Exception e) when (e is IOException or ArgumentException or PlatformNotSupportedException or UnauthorizedAccessException)
        {
            _log.LogWarning("cannot watch {Path} ({Reason}); use POST /v1/reload", full, e.Message);
        }
    }

    // Every event restarts the quiet period; the reload runs once events stop (a copy raises many writes).
    private void OnFileEvent(object sender, FileSystemEventArgs e)
    {
        if (!_disposed) _debounce.Change(_options.WatchDebounce, Timeout.InfiniteTimeSpan);
    }

    private async Task ReloadFromWatchAsync()
    {
        if (_disposed || !await _reloadLock.WaitAsync(0).ConfigureAwait(false))
        {
            // A reload is running; look again after another quiet period so this change is not lost.
            if (!_disposed) _debounce.Change(_options.WatchDebounce, Timeout.InfiniteTimeSpan);
            return;
        }
        try
        {
            await LoadAndSwapAsync(_watched ?? _options.ModelPath, onlyIfChanged: true, initial: false).ConfigureAwait(false);
        }
        catch (UserInputException)
        {
            // Logged and counted; the old model keeps serving until a good file appears.
        }
        catch (Exception e)
        {
            // A timer callback must never throw: an unhandled exception there would end the process.
            _log.LogError(e, "watched reload failed");
        }
        finally
        {
            _reloadLock.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _disposed = true;
        _watcher?.Dispose();
        _debounce.Dispose();
    }

    /// <summary>A model to load must be a regular file of at most <paramref name="maxBytes"/> bytes.</summary>
    /// <exception cref="UserInputException">It is not.</exception>
    internal static void CheckModelFile(string path, long maxBytes)
    {
        ModelFile.RequireRegularFile(path);
        long length = new FileInfo(path).Length;
        if (length > maxBytes)
            throw new UserInputException($"{path}: {length:N0} bytes, more than the largest model file the service reads ({maxBytes:N0} bytes).");
    }
}
