using System.Text;
using Microsoft.AspNetCore.Http;

namespace Dsp.Functions.Tests;

/// <summary>Requests as the Functions host hands them to an HTTP function.</summary>
internal static class HttpRequests
{
    public static HttpRequest Create(string body, string method = "POST") => Create(new MemoryStream(Encoding.UTF8.GetBytes(body)), method);

    /// <param name="body">The request body.</param>
    /// <param name="method">The HTTP method.</param>
    /// <param name="contentType">The declared content type; null sends none.</param>
    /// <param name="contentLength">The declared length, the body's own by default (-1); null sends none (a chunked body).</param>
    public static HttpRequest Create(Stream body, string method = "POST", string? contentType = "application/json", long? contentLength = -1)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Scheme = "https";
        context.Request.Host = new HostString("dsp.example");
        context.Request.Body = body;
        context.Request.ContentLength = contentLength == -1 ? body.Length : contentLength;
        context.Request.ContentType = contentType;
        return context.Request;
    }
}
