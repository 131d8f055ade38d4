#include "tests/e2e/http_client.h"

#include <curl/curl.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

namespace order_saga::testing {
namespace {

struct Collected {
  std::string body;
  std::map<std::string, std::string> headers;
};

size_t CollectBody(char* data, size_t size, size_t count, void* out) {
  static_cast<Collected*>(out)->body.append(data, size * count);
  return size * count;
}

void AddHeaderLine(absl::string_view line, std::map<std::string, std::string>& headers) {
  const size_t colon = line.find(':');
  if (colon == absl::string_view::npos) return;
  std::string name = absl::AsciiStrToLower(line.substr(0, colon));
  absl::string_view value = absl::StripAsciiWhitespace(line.substr(colon + 1));
  auto [it, inserted] = headers.emplace(name, std::string(value));
  if (!inserted) it->second = absl::StrCat(it->second, ", ", value);
}

size_t CollectHeader(char* data, size_t size, size_t count, void* out) {
  absl::string_view line(data, size * count);
  if (absl::StartsWith(line, "HTTP/")) static_cast<Collected*>(out)->headers.clear();
  AddHeaderLine(line, static_cast<Collected*>(out)->headers);
  return size * count;
}

curl_slist* Setup(CURL* curl, const std::string& url, const HttpCallOptions& options) {
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, options.method.c_str());
  if (options.method == "HEAD") curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  if (!options.body.empty() || options.method == "POST") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, options.body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(options.body.size()));
  }
  if (options.http2) {
    curl_easy_setopt(curl, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
  } else {
    curl_easy_setopt(curl, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
  }
  if (!options.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options.ca_file.c_str());
  curl_slist* headers = nullptr;
  // No "Expect: 100-continue" pause on larger bodies.
  headers = curl_slist_append(headers, "Expect:");
  for (const std::string& header : options.headers) headers = curl_slist_append(headers, header.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  return headers;
}

}  // namespace

HttpResult HttpCall(const std::string& url, const HttpCallOptions& options) {
  HttpResult result;
  CURL* curl = curl_easy_init();
  Collected collected;
  curl_slist* headers = Setup(curl, url, options);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &CollectBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &collected);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &CollectHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &collected);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(absl::ToInt64Milliseconds(options.timeout)));
  const CURLcode code = curl_easy_perform(curl);
  // A stream cut by the timeout still has its status.
  if (code != CURLE_OK) result.error = curl_easy_strerror(code);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &result.status);
  curl_easy_getinfo(curl, CURLINFO_HTTP_VERSION, &result.http_version);
  result.body = std::move(collected.body);
  result.headers = std::move(collected.headers);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return result;
}

SseParse ParseSse(const std::string& text) {
  SseParse parse;
  std::string normalized = text;
  // Only complete events: up to the last blank line.
  const size_t end = normalized.rfind("\n\n");
  if (end == std::string::npos) return parse;
  normalized.resize(end + 2);
  for (absl::string_view block : absl::StrSplit(normalized, "\n\n", absl::SkipEmpty())) {
    SseEventRead event;
    bool has_field = false;
    bool first_data = true;
    for (absl::string_view line : absl::StrSplit(block, '\n')) {
      if (absl::StartsWith(line, ":")) {
        ++parse.comments;
        continue;
      }
      const size_t colon = line.find(':');
      absl::string_view name = line.substr(0, colon);
      absl::string_view value = colon == absl::string_view::npos ? "" : line.substr(colon + 1);
      if (absl::StartsWith(value, " ")) value.remove_prefix(1);
      if (name == "retry") {
        parse.retry = std::string(value);
      } else if (name == "id") {
        event.id = std::string(value);
        has_field = true;
      } else if (name == "event") {
        event.event = std::string(value);
        has_field = true;
      } else if (name == "data") {
        if (!first_data) event.data.push_back('\n');
        event.data.append(value.data(), value.size());
        first_data = false;
        has_field = true;
      }
    }
    if (has_field) parse.events.push_back(std::move(event));
  }
  return parse;
}

SseStream::SseStream(std::string url, HttpCallOptions options)
    : url_(std::move(url)), options_(std::move(options)) {
  thread_ = std::thread([this] {
    CURL* curl = curl_easy_init();
    curl_slist* headers = Setup(curl, url_, options_);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &SseStream::OnData);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, this);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &SseStream::OnHeader);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, this);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, &SseStream::OnProgress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, this);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                     static_cast<long>(absl::ToInt64Milliseconds(options_.timeout)));
    const CURLcode code = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    absl::MutexLock lock(&mu_);
    status_ = status;
    ended_ = true;
    clean_ = code == CURLE_OK;
  });
}

SseStream::~SseStream() { Close(); }

void SseStream::Close() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

size_t SseStream::OnData(char* data, size_t size, size_t count, void* self) {
  auto* stream = static_cast<SseStream*>(self);
  if (stream->stop_) return 0;  // aborts the transfer
  absl::MutexLock lock(&stream->mu_);
  stream->text_.append(data, size * count);
  stream->arrivals_.push_back(absl::Now());
  return size * count;
}

size_t SseStream::OnHeader(char* data, size_t size, size_t count, void* self) {
  auto* stream = static_cast<SseStream*>(self);
  absl::string_view line(data, size * count);
  absl::MutexLock lock(&stream->mu_);
  if (absl::StartsWith(line, "HTTP/")) {
    stream->headers_.clear();
    std::vector<absl::string_view> parts = absl::StrSplit(line, ' ');
    if (parts.size() >= 2) absl::SimpleAtoi(parts[1], &stream->status_);
  }
  AddHeaderLine(line, stream->headers_);
  return size * count;
}

int SseStream::OnProgress(void* self, long, long, long, long) {
  return static_cast<SseStream*>(self)->stop_ ? 1 : 0;
}

bool SseStream::WaitFor(const std::function<bool(const SseParse&)>& done, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (done(parsed())) return true;
    if (ended()) return done(parsed());
    absl::SleepFor(absl::Milliseconds(10));
  }
  return false;
}

bool SseStream::WaitForEnd(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (ended()) return true;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return false;
}

long SseStream::status() const {
  absl::MutexLock lock(&mu_);
  return status_;
}

std::map<std::string, std::string> SseStream::headers() const {
  absl::MutexLock lock(&mu_);
  return headers_;
}

std::string SseStream::text() const {
  absl::MutexLock lock(&mu_);
  return text_;
}

bool SseStream::ended_cleanly() const {
  absl::MutexLock lock(&mu_);
  return ended_ && clean_;
}

bool SseStream::ended() const {
  absl::MutexLock lock(&mu_);
  return ended_;
}

std::vector<absl::Time> SseStream::event_arrivals() const {
  absl::MutexLock lock(&mu_);
  return arrivals_;
}

}  // namespace order_saga::testing
