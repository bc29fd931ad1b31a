using System.Globalization;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;

namespace Loyalty.LoadGen;

/// <summary>
/// Short, stable names for what went wrong with a request, so a test can count them: <c>http 502</c>,
/// <c>timeout</c>, <c>connection refused</c>, <c>connection reset</c>, ... or the exception's type name.
/// </summary>
public static class ErrorKinds
{
    public const string Timeout = "timeout";
    public const string Cancelled = "cancelled";

    public static string? ForStatus(HttpStatusCode status) =>
        (int)status is >= 200 and < 300 ? null : string.Create(CultureInfo.InvariantCulture, $"http {(int)status}");

    public static string For(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is TimeoutException)
            {
                return Timeout;
            }

            if (e is SocketException socket)
            {
                return socket.SocketErrorCode switch
                {
                    SocketError.ConnectionRefused => "connection refused",
                    SocketError.ConnectionReset => "connection reset",
                    SocketError.ConnectionAborted => "connection aborted",
                    SocketError.TimedOut => Timeout,
                    SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData => "dns",
                    SocketError.HostUnreachable or SocketError.NetworkUnreachable => "unreachable",
                    var code => "socket " + code.ToString().ToLowerInvariant(),
                };
            }
        }

        // No socket error underneath: the connection closed cleanly, but before a whole response arrived
        // (an instance stopped mid-request, or a keep-alive connection was closed as it was reused).
        var httpError = HttpRequestError.Unknown;
        for (var e = exception; e is not null && httpError == HttpRequestError.Unknown; e = e.InnerException)
        {
            httpError = e switch
            {
                HttpRequestException request => request.HttpRequestError,
                HttpIOException io => io.HttpRequestError,
                _ => HttpRequestError.Unknown,
            };
        }

        return httpError switch
        {
            HttpRequestError.ResponseEnded => "response ended",
            HttpRequestError.NameResolutionError => "dns",
            HttpRequestError.SecureConnectionError => "tls",
            HttpRequestError.InvalidResponse => "invalid response",
            _ => exception.GetType().Name,
        };
    }
}
