// lib/tls: the STARTTLS control protocol (both ends) and the server context policy.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "io/fd.h"
#include "tls/tls_context.h"
#include "tls/tls_control.h"
#include "tls/tls_store.h"

namespace posta {
namespace {

std::pair<Fd, Fd> pair_() {
  int sv[2];
  EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  return {Fd(sv[0]), Fd(sv[1])};
}

std::string read_some(int fd) {
  char buf[256];
  ssize_t n = ::read(fd, buf, sizeof buf);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

TEST(TlsControlTest, FormatParseRoundTrip) {
  TlsInfo in{"TLSv1.3", "TLS_AES_128_GCM_SHA256", "mail.example.org", "CN=alice,O=Org"};
  std::string line = format_tls_ok(in);
  ASSERT_EQ(line.back(), '\n');
  line.pop_back();
  auto out = parse_tls_reply(line);
  ASSERT_TRUE(out) << out.error().what;
  EXPECT_EQ(out->protocol, in.protocol);
  EXPECT_EQ(out->cipher, in.cipher);
  EXPECT_EQ(out->sni, in.sni);
  EXPECT_EQ(out->peer_subject, in.peer_subject);
}

TEST(TlsControlTest, EmptyOptionalFieldsRoundTrip) {
  std::string line = format_tls_ok({"TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256", "", ""});
  line.pop_back();
  auto out = parse_tls_reply(line);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->sni, "");
  EXPECT_EQ(out->peer_subject, "");
}

TEST(TlsControlTest, ControlCharactersInFieldsAreFlattened) {
  std::string line = format_tls_ok({"TLSv1.3", "c", "a\tb", "CN=x\ny\r"});
  EXPECT_EQ(line, "OK\tTLSv1.3\tc\ta b\tCN=x y \n");
}

TEST(TlsControlTest, ParseRejectsMalformed) {
  for (const char* bad : {"", "OK", "OK\t", "OK\tTLSv1.3", "OK\tTLSv1.3\tc", "OK\tTLSv1.3\tc\ts",
                          "OK\t\tc\ts\tp", "ok\tTLSv1.3\tc\ts\tp", "HELLO", "OKAY\ta\tb\tc\td"})
    EXPECT_FALSE(parse_tls_reply(bad)) << bad;
  auto err = parse_tls_reply("ERR handshake timeout");
  ASSERT_FALSE(err);
  EXPECT_NE(err.error().what.find("handshake timeout"), std::string::npos);
}

TEST(TlsControlTest, StartTlsFromEnvironment) {
  ::unsetenv("POSTA_TLS_CONTROL");
  ::unsetenv("POSTA_TLSD_SOCKET");
  EXPECT_FALSE(StartTls::from_env());
  for (const char* bad : {"", "x", "-1", "5x", "99999999999"}) {
    ::setenv("POSTA_TLS_CONTROL", bad, 1);
    EXPECT_FALSE(StartTls::from_env()) << bad;
  }
  auto [a, b] = pair_();
  ::setenv("POSTA_TLS_CONTROL", std::to_string(a.get()).c_str(), 1);
  EXPECT_TRUE(StartTls::from_env());
  EXPECT_TRUE(::fcntl(a.get(), F_GETFD) & FD_CLOEXEC);
  ::setenv("POSTA_TLS_CONTROL", "900", 1);  // not open
  EXPECT_FALSE(StartTls::from_env());
  ::unsetenv("POSTA_TLS_CONTROL");
  ::setenv("POSTA_TLSD_SOCKET", "", 1);
  EXPECT_FALSE(StartTls::from_env());
  ::setenv("POSTA_TLSD_SOCKET", "/nonexistent/tlsd.sock", 1);
  auto direct = StartTls::from_env();
  ASSERT_TRUE(direct);
  auto r = direct->start(std::chrono::seconds(1));  // no daemon there: an error, no hang
  EXPECT_FALSE(r);
  ::unsetenv("POSTA_TLSD_SOCKET");
}

TEST(TlsControlTest, InfoFromEnvironment) {
  ::unsetenv("SSL_PROTOCOL");
  EXPECT_FALSE(tls_from_env());
  ::setenv("SSL_PROTOCOL", "TLSv1.3", 1);
  ::setenv("SSL_CIPHER", "TLS_AES_256_GCM_SHA384", 1);
  ::setenv("SSL_SNI", "a.test", 1);
  ::unsetenv("SSL_CLIENT_S_DN");
  auto info = tls_from_env();
  ASSERT_TRUE(info);
  EXPECT_EQ(info->protocol, "TLSv1.3");
  EXPECT_EQ(info->cipher, "TLS_AES_256_GCM_SHA384");
  EXPECT_EQ(info->sni, "a.test");
  EXPECT_EQ(info->peer_subject, "");
  for (const char* v : {"SSL_PROTOCOL", "SSL_CIPHER", "SSL_SNI"}) ::unsetenv(v);
}

// A fake tlsd: plaintext injected on the data fd before the OK must be gone after start_tls;
// data written after GO must arrive.
TEST(TlsControlTest, StartTlsDrainsInjectedPlaintextBeforeGo) {
  auto [ctl_server, ctl_tlsd] = pair_();
  auto [data_server, data_tlsd] = pair_();
  std::string got_request, got_go;
  std::thread tlsd([&, c = ctl_tlsd.get(), d = data_tlsd.get()] {
    got_request = read_some(c);
    ASSERT_TRUE(write_all(d, std::string(20000, 'R') + "RSET\r\n"));
    ASSERT_TRUE(write_all(c, "OK\tTLSv1.3\tTLS_AES_128_GCM_SHA256\ta.test\t\n"));
    got_go = read_some(c);
    ASSERT_TRUE(write_all(d, "NOOP\r\n"));
  });
  auto info = start_tls(ctl_server.get(), std::chrono::seconds(5), data_server.get());
  tlsd.join();
  ASSERT_TRUE(info) << info.error().what;
  EXPECT_EQ(info->sni, "a.test");
  EXPECT_EQ(got_request, "STARTTLS\n");
  EXPECT_EQ(got_go, "GO\n");
  EXPECT_EQ(read_some(data_server.get()), "NOOP\r\n");
}

TEST(TlsControlTest, StartTlsReportsRefusal) {
  auto [ctl_server, ctl_tlsd] = pair_();
  std::thread tlsd([c = ctl_tlsd.get()] {
    read_some(c);
    (void)write_all(c, "ERR wrong version number\n");
  });
  auto info = start_tls(ctl_server.get(), std::chrono::seconds(5), ctl_server.get());
  tlsd.join();
  ASSERT_FALSE(info);
  EXPECT_NE(info.error().what.find("wrong version number"), std::string::npos);
}

TEST(TlsControlTest, StartTlsTimesOutAndSeesEof) {
  auto [ctl_server, ctl_tlsd] = pair_();
  auto t = start_tls(ctl_server.get(), std::chrono::milliseconds(100), ctl_server.get());
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().what.find("timeout"), std::string::npos);
  ctl_tlsd.reset();
  auto e = start_tls(ctl_server.get(), std::chrono::seconds(5), ctl_server.get());
  ASSERT_FALSE(e);
}

TEST(TlsContextTest, SniDirectoryNames) {
  EXPECT_EQ(sni_dir_name("mail.example.org"), "mail.example.org");
  EXPECT_EQ(sni_dir_name("Mail.Example.ORG"), "mail.example.org");
  EXPECT_EQ(sni_dir_name("localhost"), "localhost");
  for (const char* bad : {"", ".", "..", "../etc", "a/b", "a..b", ".a", "a.", "a b", "a\\b",
                          "cert.pem/"})
    EXPECT_EQ(sni_dir_name(bad), "") << bad;
  EXPECT_EQ(sni_dir_name(std::string(64, 'a') + ".test"), "");
  EXPECT_EQ(sni_dir_name(std::string(63, 'a') + ".test"), std::string(63, 'a') + ".test");
  EXPECT_EQ(sni_dir_name(std::string(254, 'a')), "");
}

// A throwaway P-256 key and self-signed certificate in a temp directory.
class TlsContextFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("tls_test." + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    write_pair("cert.pem", "key.pem", "test.example");
    write_pair("other.pem", "otherkey.pem", "other.example");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(const char* n) { return (dir_ / n).string(); }
  void write_pair(const char* cert, const char* key, const char* cn) {
    EVP_PKEY* k = EVP_EC_gen("P-256");
    X509* x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
    X509_set_issuer_name(x, X509_get_subject_name(x));
    X509_set_pubkey(x, k);
    X509_sign(x, k, EVP_sha256());
    FILE* f = std::fopen(path(cert).c_str(), "w");
    PEM_write_X509(f, x);
    std::fclose(f);
    f = std::fopen(path(key).c_str(), "w");
    PEM_write_PrivateKey(f, k, nullptr, nullptr, 0, nullptr, nullptr);
    std::fclose(f);
    ::chmod(path(key).c_str(), 0600);
    X509_free(x);
    EVP_PKEY_free(k);
  }
  std::filesystem::path dir_;
};

TEST_F(TlsContextFiles, LoadsWithModernPolicy) {
  ServerTlsConfig cfg{path("cert.pem"), path("key.pem"), "", ""};
  auto ctx = make_server_ctx(cfg);
  ASSERT_TRUE(ctx) << ctx.error().what;
  EXPECT_EQ(SSL_CTX_get_min_proto_version(ctx->get()), TLS1_2_VERSION);
  uint64_t opts = SSL_CTX_get_options(ctx->get());
  EXPECT_TRUE(opts & SSL_OP_NO_COMPRESSION);
  EXPECT_TRUE(opts & SSL_OP_NO_RENEGOTIATION);
  EXPECT_TRUE(opts & SSL_OP_NO_TICKET);
  SslPtr ssl(SSL_new(ctx->get()));
  for (int i = 0;; ++i) {
    const char* c = SSL_get_cipher_list(ssl.get(), i);
    if (!c) break;
    std::string name = c;
    EXPECT_EQ(name.find("CBC"), std::string::npos) << name;
    EXPECT_TRUE(name.starts_with("TLS_") || name.starts_with("ECDHE-")) << name;
  }
}

TEST_F(TlsContextFiles, RefusesKeyReadableByOthers) {
  for (mode_t m : {0640, 0604, 0660, 0644}) {
    ::chmod(path("key.pem").c_str(), m);
    auto ctx = make_server_ctx({path("cert.pem"), path("key.pem"), "", ""});
    ASSERT_FALSE(ctx) << m;
    EXPECT_NE(ctx.error().what.find("accessible by group or others"), std::string::npos);
    EXPECT_NE(ctx.error().what.find("chmod 600"), std::string::npos);
    EXPECT_FALSE(check_key_file(path("key.pem")));
  }
  ::chmod(path("key.pem").c_str(), 0400);
  EXPECT_TRUE(check_key_file(path("key.pem")));
  EXPECT_TRUE(make_server_ctx({path("cert.pem"), path("key.pem"), "", ""}));
  EXPECT_FALSE(check_key_file(dir_.string()));
}

TEST_F(TlsContextFiles, RefusesMismatchedAndMissingFiles) {
  auto mismatch = make_server_ctx({path("cert.pem"), path("otherkey.pem"), "", ""});
  ASSERT_FALSE(mismatch);
  EXPECT_NE(mismatch.error().what.find("does not match"), std::string::npos);
  EXPECT_FALSE(make_server_ctx({path("nope.pem"), path("key.pem"), "", ""}));
  EXPECT_FALSE(make_server_ctx({path("cert.pem"), path("nope.pem"), "", ""}));
  EXPECT_FALSE(make_server_ctx({path("key.pem"), path("key.pem"), "", ""}));
}

std::string cert_cn(SSL_CTX* ctx) {
  char buf[256] = "";
  X509_NAME_get_text_by_NID(X509_get_subject_name(SSL_CTX_get0_certificate(ctx)), NID_commonName,
                            buf, sizeof buf);
  return buf;
}

TEST_F(TlsContextFiles, StoreLoadsNamesOnceAndKeepsOldSetOnBadReload) {
  std::filesystem::create_directories(dir_ / "sni" / "a.example");
  std::filesystem::create_directories(dir_ / "sni" / "Upper.Example");  // not lower case: ignored
  std::filesystem::copy_file(path("other.pem"), dir_ / "sni" / "a.example" / "cert.pem");
  std::filesystem::copy_file(path("otherkey.pem"), dir_ / "sni" / "a.example" / "key.pem");
  std::filesystem::copy_file(path("other.pem"), dir_ / "sni" / "Upper.Example" / "cert.pem");
  ::chmod((dir_ / "sni" / "a.example" / "key.pem").c_str(), 0600);
  TlsStore store({path("cert.pem"), path("key.pem"), (dir_ / "sni").string(), ""});
  EXPECT_EQ(store.default_ctx(), nullptr);
  ASSERT_TRUE(store.reload());
  EXPECT_EQ(store.names(), 1u);
  EXPECT_EQ(cert_cn(store.default_ctx()), "test.example");
  SSL_CTX* before = store.default_ctx();
  SSL_CTX_up_ref(before);  // as an established session would hold it
  ::chmod((dir_ / "sni" / "a.example" / "key.pem").c_str(), 0644);
  auto bad = store.reload();
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().what.find("a.example/key.pem"), std::string::npos);
  EXPECT_EQ(store.default_ctx(), before);  // the old set stays
  ::chmod((dir_ / "sni" / "a.example" / "key.pem").c_str(), 0600);
  ASSERT_TRUE(store.reload());
  EXPECT_NE(store.default_ctx(), before);
  EXPECT_EQ(cert_cn(before), "test.example");  // still usable by its holder
  SSL_CTX_free(before);
}

TEST(TlsControlTest, EnvVarsForTheServer) {
  auto env = tls_env_vars({"TLSv1.3", "TLS_AES_128_GCM_SHA256", "a.example", ""});
  EXPECT_EQ(env, (std::vector<std::string>{"SSL_PROTOCOL=TLSv1.3", "SSL_CIPHER=TLS_AES_128_GCM_SHA256",
                                           "SSL_SNI=a.example"}));
  EXPECT_EQ(tls_env_vars({"TLSv1.2", "X", "", "CN=a"}).back(), "SSL_CLIENT_S_DN=CN=a");
}

}  // namespace
}  // namespace posta
