// lib/scan attachments: the policy file, name and content recognition, the MIME walk, and
// archives built here with libarchive's writer (ZIP, 7z, tar.gz, gzip, encrypted ZIP, bombs).
#include <gtest/gtest.h>

#include <archive.h>
#include <archive_entry.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>

#include "base/base64.h"
#include "io/fd.h"
#include "scan/attachments.h"
#include "scan/sniff.h"
#include "tmpdir.h"

using namespace posta;
using namespace posta::scan;
using Why = Finding::Why;

namespace {

struct Entry {
  std::string name;
  std::string data;
};

// An archive of entries: format "zip", "7zip", "ustar"; filter "gzip" or ""; options such
// as "zip:encryption=zipcrypt" (with passphrase "secret").
std::string make_archive(const std::vector<Entry>& entries, const std::string& format = "zip",
                         const std::string& filter = "", const std::string& options = "") {
  archive* a = archive_write_new();
  archive_write_set_format_by_name(a, format.c_str());
  if (!filter.empty()) archive_write_add_filter_by_name(a, filter.c_str());
  if (!options.empty()) {
    EXPECT_EQ(archive_write_set_options(a, options.c_str()), ARCHIVE_OK) << archive_error_string(a);
    archive_write_set_passphrase(a, "secret");
  }
  archive_write_set_bytes_in_last_block(a, 1);
  size_t total = 1 << 20;
  for (auto& e : entries) total += e.data.size() + 1024;
  std::string out(total, '\0');
  size_t used = 0;
  EXPECT_EQ(archive_write_open_memory(a, out.data(), out.size(), &used), ARCHIVE_OK) << archive_error_string(a);
  for (auto& e : entries) {
    archive_entry* en = archive_entry_new();
    archive_entry_set_pathname(en, e.name.c_str());
    archive_entry_set_filetype(en, AE_IFREG);
    archive_entry_set_perm(en, 0644);
    archive_entry_set_size(en, static_cast<la_int64_t>(e.data.size()));
    EXPECT_EQ(archive_write_header(a, en), ARCHIVE_OK) << archive_error_string(a);
    EXPECT_EQ(archive_write_data(a, e.data.data(), e.data.size()), static_cast<la_ssize_t>(e.data.size()));
    archive_entry_free(en);
  }
  archive_write_close(a);
  archive_write_free(a);
  out.resize(used);
  return out;
}

// A single compressed file (invoice.exe.gz): the filter without an archive format.
std::string gzip(const std::string& data) {
  archive* a = archive_write_new();
  archive_write_set_format_raw(a);
  archive_write_add_filter_gzip(a);
  std::string out(data.size() + 4096, '\0');
  size_t used = 0;
  archive_write_open_memory(a, out.data(), out.size(), &used);
  archive_entry* en = archive_entry_new();
  archive_entry_set_filetype(en, AE_IFREG);
  archive_write_header(a, en);
  archive_write_data(a, data.data(), data.size());
  archive_entry_free(en);
  archive_write_close(a);
  archive_write_free(a);
  out.resize(used);
  return out;
}

std::string pe_exe() {
  std::string s(256, '\0');
  s[0] = 'M', s[1] = 'Z';
  s[0x3c] = '\x80';
  s.replace(0x80, 4, std::string("PE\0\0", 4));
  return s;
}
std::string elf() { return std::string("\x7f" "ELF\x02\x01\x01", 7) + std::string(100, '\0'); }
std::string ole_with_macros() {
  std::string s("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8);
  s += std::string(1000, '\0');
  for (char c : std::string("_VBA_PROJECT")) { s += c; s += '\0'; }
  return s + std::string(200, '\0');
}
std::string ole_plain() { return std::string("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8) + std::string(2000, 'w'); }
std::string iso_image() {
  std::string s(0x9000, '\0');
  s.replace(0x8001, 5, "CD001");
  return s;
}

struct Attachment {
  std::string type = "application/octet-stream";
  std::string params;  // "; name=..." as written
  std::string disposition = "attachment";
  std::string data;
};

// A multipart/mixed message (CRLF) with a text body and these attachments in base64.
std::string message(const std::vector<Attachment>& atts) {
  std::string m =
      "From: a@example.test\r\nTo: b@example.test\r\nSubject: files\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=\"=-b\"\r\n\r\n--=-b\r\nContent-Type: text/plain\r\n\r\n"
      "see attached\r\n";
  for (auto& a : atts) {
    m += "--=-b\r\nContent-Type: " + a.type + a.params + "\r\n";
    if (!a.disposition.empty()) m += "Content-Disposition: " + a.disposition + "\r\n";
    m += "Content-Transfer-Encoding: base64\r\n\r\n";
    auto b = base64_encode(a.data);
    for (size_t i = 0; i < b.size(); i += 76) m += b.substr(i, 76) + "\r\n";
  }
  return m + "--=-b--\r\n";
}

Attachment named(const std::string& name, const std::string& data, const std::string& type = "application/octet-stream") {
  return {type, "; name=\"" + name + "\"", "attachment; filename=\"" + name + "\"", data};
}

AttachmentPolicy shipped() {
  const char* src = std::getenv("POSTA_SRC");
  auto text = read_file(std::string(src ? src : ".") + "/etc/control/attachmentpolicy");
  EXPECT_TRUE(text) << text.error().what;
  auto p = AttachmentPolicy::parse(text ? *text : "");
  EXPECT_TRUE(p) << p.error().what;
  return p ? *p : AttachmentPolicy{};
}

AttachmentReport check(const std::vector<Attachment>& atts, const AttachmentPolicy& p = shipped()) {
  return check_attachments(message(atts), p);
}

std::string findings(const AttachmentReport& r) {
  std::string s;
  for (auto& f : r.findings) s += describe(f) + "\n";
  return s;
}

}  // namespace

TEST(AttachmentPolicy, ShippedDefault) {
  auto p = shipped();
  for (auto e : {"exe", "scr", "com", "pif", "bat", "cmd", "js", "jse", "vbs", "vbe", "wsf", "hta", "ps1",
                 "msi", "iso", "img", "vhd", "lnk", "jar", "docm", "xlsm", "pptm"})
    EXPECT_TRUE(p.extensions.contains(e)) << e;
  EXPECT_FALSE(p.extensions.contains("pdf"));
  EXPECT_EQ(p.action, AttachmentPolicy::Action::refuse);
  EXPECT_TRUE(p.refuse_encrypted);
  EXPECT_TRUE(p.refuse_unscannable);
  EXPECT_TRUE(p.content.contains(Content::executable));
  EXPECT_TRUE(p.content.contains(Content::macro));
  EXPECT_TRUE(p.types.contains("application/x-msdownload"));
  EXPECT_EQ(p.archive_bytes, 64u << 20);
}

TEST(AttachmentPolicy, ParsesEverySetting) {
  auto p = AttachmentPolicy::parse(
      "# comment\n\naction quarantine\nextensions .EXE, scr\nextensions js\ntypes application/x-sh text/*\n"
      "content script,shortcut\nencrypted allow\nunscannable allow\narchive-depth 2\narchive-entries 10\n"
      "archive-bytes 1M\n");
  ASSERT_TRUE(p) << p.error().what;
  EXPECT_EQ(p->action, AttachmentPolicy::Action::quarantine);
  EXPECT_EQ(p->extensions, (std::set<std::string>{"exe", "scr", "js"}));
  EXPECT_EQ(p->types, (std::set<std::string>{"application/x-sh", "text/*"}));
  EXPECT_EQ(p->content, (std::set<Content>{Content::script, Content::shortcut}));
  EXPECT_FALSE(p->refuse_encrypted);
  EXPECT_FALSE(p->refuse_unscannable);
  EXPECT_EQ(p->archive_depth, 2);
  EXPECT_EQ(p->archive_entries, 10u);
  EXPECT_EQ(p->archive_bytes, 1u << 20);
}

TEST(AttachmentPolicy, ErrorsNameTheLine) {
  for (auto [text, line] : std::vector<std::pair<std::string, std::string>>{
           {"action delete\n", "line 1"}, {"# x\nencrypted maybe\n", "line 2"}, {"colour red\n", "line 1"},
           {"types exe\n", "line 1"}, {"content virus\n", "line 1"}, {"archive-depth 0\n", "line 1"},
           {"archive-depth 99\n", "line 1"}, {"archive-entries x\n", "line 1"}, {"archive-bytes 0\n", "line 1"},
           {"\n\nextensions\n", "line 3"}}) {
    auto p = AttachmentPolicy::parse(text);
    ASSERT_FALSE(p) << text;
    EXPECT_NE(p.error().what.find(line), std::string::npos) << p.error().what;
  }
}

TEST(AttachmentPolicy, LoadIsEmptyWithoutTheFile) {
  test::TempDir home;
  std::filesystem::create_directories(home.path + "/control");
  Control control(home.path);
  auto none = AttachmentPolicy::load(control);
  ASSERT_TRUE(none) << none.error().what;
  EXPECT_FALSE(*none);
  ASSERT_TRUE(write_file_atomic(home.path + "/control/attachmentpolicy", "extensions exe\n"));
  auto some = AttachmentPolicy::load(control);
  ASSERT_TRUE(some && *some);
  EXPECT_TRUE((*some)->extensions.contains("exe"));
  ASSERT_TRUE(write_file_atomic(home.path + "/control/attachmentpolicy", "bogus\n"));
  auto bad = AttachmentPolicy::load(control);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().what.find("control/attachmentpolicy: line 1"), std::string::npos) << bad.error().what;
}

TEST(ScanSniff, RecognisesDangerousContent) {
  EXPECT_EQ(sniff(pe_exe())->what, "executable (PE)");
  EXPECT_EQ(sniff(elf())->kind, Content::executable);
  EXPECT_EQ(sniff(std::string("\xcf\xfa\xed\xfe", 4) + std::string(60, '\0'))->kind, Content::executable);
  EXPECT_EQ(sniff("#!/bin/sh\nrm -rf /\n")->kind, Content::script);
  EXPECT_EQ(sniff(iso_image())->kind, Content::diskimage);
  EXPECT_EQ(sniff("conectix" + std::string(100, '\0'))->kind, Content::diskimage);
  EXPECT_EQ(sniff(std::string("L\0\0\0\x01\x14\x02\0", 8) + std::string(70, '\0'))->kind, Content::shortcut);
  for (auto harmless : {std::string("%PDF-1.7\n"), std::string("MZ"), std::string("hello #!"), std::string(""),
                        std::string("\x89PNG\r\n\x1a\n", 8)})
    EXPECT_FALSE(sniff(harmless)) << harmless;
  EXPECT_TRUE(ole_has_macros(ole_with_macros()));
  EXPECT_FALSE(ole_has_macros(ole_plain()));
  EXPECT_FALSE(ole_has_macros(std::string(1000, '\0') + "_\0V\0B\0A\0"));
}

TEST(ScanSniff, NamesAsWindowsActsOnThem) {
  EXPECT_EQ(normalized_name("C:\\Users\\x\\Invoice.PDF.exe"), "invoice.pdf.exe");
  EXPECT_EQ(normalized_name("dir/setup.exe. . "), "setup.exe");
  EXPECT_EQ(normalized_name("photo\xe2\x80\xaegpj.exe"), "photogpj.exe");  // U+202E RIGHT-TO-LEFT OVERRIDE
  EXPECT_EQ(extension_of("invoice.pdf.exe"), "exe");
  EXPECT_EQ(inner_extension_of("invoice.pdf.exe"), "pdf");
  EXPECT_EQ(inner_extension_of("invoice.pdf      .exe"), "pdf");
  EXPECT_EQ(extension_of("README"), "");
  EXPECT_EQ(inner_extension_of("setup.exe"), "");
  EXPECT_TRUE(looks_like_archive(make_archive({{"a.txt", "x"}})));
  EXPECT_TRUE(looks_like_archive(gzip("x")));
  EXPECT_TRUE(looks_like_archive(make_archive({{"a.txt", "x"}}, "ustar")));
  EXPECT_FALSE(looks_like_archive("%PDF-1.4"));
}

TEST(Attachments, CleanMessagePasses) {
  auto r = check({named("report.pdf", "%PDF-1.4\n..."), named("photo.jpg", "\xff\xd8\xff\xe0", "image/jpeg"),
                  named("docs.zip", make_archive({{"a.txt", "hello"}, {"b/c.pdf", "%PDF-1.4"}}))});
  EXPECT_FALSE(r.blocked()) << findings(r);
  EXPECT_EQ(r.archives, 1u);
  EXPECT_EQ(r.entries, 2u);
}

TEST(Attachments, BlockedExtensionsByEitherName) {
  auto r = check({named("setup.exe", "harmless bytes")});
  ASSERT_TRUE(r.blocked());
  EXPECT_EQ(r.findings[0].why, Why::extension);
  EXPECT_EQ(describe(r.findings[0]), "setup.exe: extension .exe");
  // only Content-Type name, only Content-Disposition filename
  EXPECT_TRUE(check({{"application/octet-stream", "; name=run.js", "", "x"}}).blocked());
  EXPECT_TRUE(check({{"application/octet-stream", "", "attachment; filename=run.vbs", "x"}}).blocked());
  // the two names disagree: either one counts
  EXPECT_TRUE(check({{"application/octet-stream", "; name=run.scr", "attachment; filename=run.pdf", "x"}}).blocked());
  auto d = check({named("invoice.pdf.exe", "x")});
  ASSERT_TRUE(d.blocked());
  EXPECT_EQ(d.findings[0].detail, "double extension .pdf.exe");
  EXPECT_TRUE(check({named("INVOICE.EXE.", "x")}).blocked());
  EXPECT_FALSE(check({named("setup.exe.txt", "x")}).blocked());
}

TEST(Attachments, EncodedFileNamesAreDecoded) {
  // RFC 2231 (with charset) and RFC 2047 (as many clients write it)
  auto r = check({{"application/octet-stream", "", "attachment; filename*=UTF-8''Rechnung%20M%C3%A4rz.exe", "x"}});
  ASSERT_TRUE(r.blocked());
  EXPECT_EQ(r.findings[0].where, "Rechnung M\xc3\xa4rz.exe");
  EXPECT_TRUE(check({{"application/octet-stream", "", "attachment; filename*0=\"setup\"; filename*1=\".ex\"; filename*2=\"e\"", "x"}}).blocked());
  EXPECT_TRUE(check({{"application/octet-stream", "; name=\"=?UTF-8?B?c2V0dXAuZXhl?=\"", "", "x"}}).blocked());
}

TEST(Attachments, BlockedTypes) {
  auto r = check({{"application/x-msdownload", "", "attachment", "x"}});
  ASSERT_TRUE(r.blocked());
  EXPECT_EQ(r.findings[0].why, Why::type);
  auto p = shipped();
  p.types.insert("audio/*");
  EXPECT_TRUE(check({{"audio/x-wav", "", "", "RIFF"}}, p).blocked());
}

TEST(Attachments, ContentWhateverTheName) {
  auto r = check({named("photo.jpg", pe_exe(), "image/jpeg")});
  ASSERT_TRUE(r.blocked());
  EXPECT_EQ(describe(r.findings[0]), "photo.jpg: executable (PE)");
  EXPECT_TRUE(check({named("notes.txt", elf())}).blocked());
  EXPECT_TRUE(check({named("cd.dat", iso_image())}).blocked());
  EXPECT_TRUE(check({named("report.doc", ole_with_macros(), "application/msword")}).blocked());
  EXPECT_FALSE(check({named("report.doc", ole_plain(), "application/msword")}).blocked());
  // a nameless inline part that is not text is looked at too
  EXPECT_TRUE(check({{"application/octet-stream", "", "", pe_exe()}}).blocked());
  // scripts only when the policy says so
  EXPECT_FALSE(check({named("fix.sh", "#!/bin/sh\n")}).blocked());
  auto p = shipped();
  p.content.insert(Content::script);
  EXPECT_TRUE(check({named("fix.sh", "#!/bin/sh\n")}, p).blocked());
}

TEST(Attachments, InsideZipAnd7zAndTarGz) {
  auto zip = make_archive({{"readme.txt", "hi"}, {"bin/setup.exe", "x"}});
  auto r = check({named("files.zip", zip)});
  ASSERT_TRUE(r.blocked());
  EXPECT_EQ(describe(r.findings[0]), "files.zip/bin/setup.exe: extension .exe");
  // content inside, with a harmless name
  auto r2 = check({named("files.zip", make_archive({{"cat.jpg", pe_exe()}}))});
  ASSERT_TRUE(r2.blocked());
  EXPECT_EQ(describe(r2.findings[0]), "files.zip/cat.jpg: executable (PE)");
  EXPECT_TRUE(check({named("files.7z", make_archive({{"run.js", "x"}}, "7zip"))}).blocked());
  EXPECT_TRUE(check({named("files.tar.gz", make_archive({{"a/b/payload.bin", elf()}}, "ustar", "gzip"))}).blocked());
  // a compressed single file; and an archive under a harmless name is still opened
  auto g = check({named("invoice.exe.gz", gzip(pe_exe()))});
  ASSERT_TRUE(g.blocked());
  EXPECT_EQ(g.findings[0].where, "invoice.exe.gz/invoice.exe");
  EXPECT_TRUE(check({named("photo.jpg", zip, "image/jpeg")}).blocked());
}

TEST(Attachments, NestedArchivesToTheDepthLimit) {
  std::string inner = make_archive({{"evil.scr", "x"}});
  auto r = check({named("outer.zip", make_archive({{"inner.zip", inner}}))});
  ASSERT_TRUE(r.blocked());
  EXPECT_EQ(describe(r.findings[0]), "outer.zip/inner.zip/evil.scr: extension .scr");
  EXPECT_EQ(r.archives, 2u);
  // deeper than archive-depth: unscannable
  std::string z = make_archive({{"a.txt", "x"}});
  for (int i = 0; i < 6; ++i) z = make_archive({{"level" + std::to_string(i) + ".zip", z}});
  auto deep = check({named("deep.zip", z)});
  ASSERT_TRUE(deep.blocked());
  EXPECT_EQ(deep.findings[0].why, Why::unscannable);
  EXPECT_NE(deep.findings[0].detail.find("nested deeper than 4"), std::string::npos) << findings(deep);
  EXPECT_EQ(deep.archives, 4u);
  auto p = shipped();
  p.refuse_unscannable = false;
  EXPECT_FALSE(check({named("deep.zip", z)}, p).blocked());
}

TEST(Attachments, OfficeMacros) {
  auto docm = make_archive({{"[Content_Types].xml", "<Types/>"}, {"word/document.xml", "<w:document/>"},
                            {"word/vbaProject.bin", ole_with_macros()}});
  auto r = check({named("letter.docx", docm)});  // the name hides it; the content does not
  ASSERT_TRUE(r.blocked());
  EXPECT_EQ(r.findings[0].why, Why::content);
  EXPECT_EQ(r.findings[0].where, "letter.docx/word/vbaProject.bin");
  auto docx = make_archive({{"[Content_Types].xml", "<Types/>"}, {"word/document.xml", "<w:document/>"}});
  EXPECT_FALSE(check({named("letter.docx", docx)}).blocked());
  EXPECT_TRUE(check({named("old.zip", make_archive({{"old.xls", ole_with_macros()}}))}).blocked());
}

TEST(Attachments, EncryptedZip) {
  auto enc = make_archive({{"invoice.pdf", "%PDF-1.4 secret"}}, "zip", "", "zip:encryption=zipcrypt");
  auto r = check({named("invoice.zip", enc)});
  ASSERT_TRUE(r.blocked()) << "not refused";
  EXPECT_EQ(r.findings[0].why, Why::encrypted);
  auto p = shipped();
  p.refuse_encrypted = false;
  EXPECT_FALSE(check({named("invoice.zip", enc)}, p).blocked());
  // names stay visible in an encrypted ZIP: a blocked one is refused all the same
  auto exe = make_archive({{"invoice.exe", "x"}}, "zip", "", "zip:encryption=zipcrypt");
  auto r2 = check({named("invoice.zip", exe)}, p);
  ASSERT_TRUE(r2.blocked());
  EXPECT_EQ(r2.findings[0].why, Why::extension);
}

TEST(Attachments, DamagedArchiveIsUnscannable) {
  auto zip = make_archive({{"a.txt", std::string(5000, 'a')}, {"b.txt", std::string(5000, 'b')}});
  auto cut = zip.substr(0, zip.size() / 2);
  auto r = check({named("cut.zip", cut)});
  ASSERT_TRUE(r.blocked());
  EXPECT_EQ(r.findings[0].why, Why::unscannable) << findings(r);
  auto notzip = check({named("fake.zip", "this is not a zip file at all")});
  ASSERT_TRUE(notzip.blocked());
  EXPECT_EQ(notzip.findings[0].why, Why::unscannable);
}

// Entries are listed, not unpacked: a bomb of zeros costs the first bytes of each entry.
TEST(Attachments, ZipOfZerosIsOnlySniffed) {
  std::string zeros(16 << 20, '\0');
  auto bomb = make_archive({{"zeros.bin", zeros}, {"more.bin", zeros}});
  EXPECT_LT(bomb.size(), 100u << 10);
  auto r = check({named("bomb.zip", bomb)});
  EXPECT_FALSE(r.blocked()) << findings(r);
  EXPECT_LT(r.unpacked, 2u << 20);
}

// What must be unpacked whole (a nested archive) stops at archive-bytes, quickly.
TEST(Attachments, UnpackingStopsAtTheByteCap) {
  auto p = shipped();
  p.archive_bytes = 1 << 20;
  std::string zeros(4 << 20, '\0');
  auto bomb = make_archive({{"a.tar", make_archive({{"zeros.bin", zeros}}, "ustar")}});
  auto t0 = std::chrono::steady_clock::now();
  auto r = check({named("bomb.zip", bomb)}, p);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
  ASSERT_TRUE(r.blocked());
  EXPECT_EQ(r.findings[0].why, Why::unscannable);
  EXPECT_NE(r.findings[0].detail.find("unpack to more than 1048576 bytes"), std::string::npos) << findings(r);
  EXPECT_LE(r.unpacked, (1u << 20) + (1u << 20));  // the cap plus at most a decoder's block
  // a gzip-compressed tar must be read through to skip an entry: counted the same
  auto tgz = make_archive({{"zeros.bin", zeros}, {"setup.exe", "x"}}, "ustar", "gzip");
  auto t = check({named("z.tgz", tgz)}, p);
  ASSERT_TRUE(t.blocked());
  EXPECT_EQ(t.findings[0].why, Why::unscannable);
  EXPECT_LE(t.unpacked, (1u << 20) + (1u << 20));
}

// 42.zip's shape: archives of archives, fanning out; a limit ends it (archive-bytes here:
// sniffing each leaf unpacks one block of the decoder, 256 KiB for ZIP).
TEST(Attachments, FanOutOfNestedArchivesStopsAtTheEntryLimit) {
  std::string level = make_archive({{"zeros.bin", std::string(1 << 20, '\0')}});
  for (int d = 0; d < 3; ++d) {
    std::vector<Entry> sixteen;
    for (int i = 0; i < 16; ++i) sixteen.push_back({"l" + std::to_string(d) + "_" + std::to_string(i) + ".zip", level});
    level = make_archive(sixteen);
  }
  auto t0 = std::chrono::steady_clock::now();
  auto r = check({named("42.zip", level)});
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
  ASSERT_TRUE(r.blocked());
  EXPECT_EQ(r.findings[0].why, Why::unscannable) << findings(r);
  EXPECT_LT(r.entries, 5000u);
  auto p = shipped();
  p.archive_entries = 100;
  auto e = check({named("42.zip", level)}, p);
  ASSERT_TRUE(e.blocked());
  EXPECT_NE(e.findings[0].detail.find("more than 100 archive entries"), std::string::npos) << findings(e);
}

TEST(Attachments, EntryCountLimit) {
  auto p = shipped();
  p.archive_entries = 100;
  std::vector<Entry> many;
  for (int i = 0; i < 300; ++i) many.push_back({"f" + std::to_string(i) + ".txt", "x"});
  auto r = check({named("many.zip", make_archive(many))}, p);
  ASSERT_TRUE(r.blocked());
  EXPECT_NE(r.findings[0].detail.find("more than 100 archive entries"), std::string::npos) << findings(r);
  EXPECT_EQ(r.entries, 100u);
  // the limit counts all archives of a message together
  std::vector<Entry> sixty(many.begin(), many.begin() + 60);
  EXPECT_TRUE(check({named("a.zip", make_archive(sixty)), named("b.zip", make_archive(sixty))}, p).blocked());
  EXPECT_FALSE(check({named("a.zip", make_archive(sixty))}, p).blocked());
}

TEST(Attachments, MimePartBombIsUnscannable) {
  std::vector<Attachment> parts(6000, Attachment{"text/plain", "", "", "x"});
  auto msg = message(parts);
  auto t0 = std::chrono::steady_clock::now();
  auto r = check_attachments(msg, shipped());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
  ASSERT_TRUE(r.blocked());
  EXPECT_EQ(r.findings[0].why, Why::unscannable);
  EXPECT_EQ(r.findings[0].where, "message");
}

TEST(Attachments, FindingsAreCapped) {
  std::vector<Attachment> exes;
  for (int i = 0; i < 30; ++i) exes.push_back(named("a" + std::to_string(i) + ".exe", "x"));
  EXPECT_EQ(check(exes).findings.size(), kMaxFindings);
}

TEST(Attachments, EmbeddedMessagesAreWalked) {
  std::string inner = message({named("setup.exe", "x")});
  auto msg = "From: a@example.test\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=o\r\n\r\n"
             "--o\r\nContent-Type: message/rfc822\r\n\r\n" + inner + "\r\n--o--\r\n";
  auto r = check_attachments(msg, shipped());
  ASSERT_TRUE(r.blocked());
  EXPECT_EQ(r.findings[0].where, "setup.exe");
}

// A large attachment is decoded as far as its checks need: the head for content, all of an
// archive.
TEST(Attachments, LargeAttachmentsDecodedAsFarAsNeeded) {
  std::string noise(512 << 10, '\0');
  uint32_t x = 1;
  for (auto& c : noise) c = static_cast<char>((x = x * 1103515245 + 12345) >> 24);
  auto zip = make_archive({{"noise.bin", noise}, {"later/setup.exe", "x"}});
  ASSERT_GT(zip.size(), 4 * kSniffBytes);
  auto r = check({named("big.zip", zip)});
  ASSERT_TRUE(r.blocked());
  EXPECT_EQ(describe(r.findings[0]), "big.zip/later/setup.exe: extension .exe");
  EXPECT_TRUE(check({named("big.dat", pe_exe() + noise)}).blocked());
  EXPECT_FALSE(check({named("big.dat", noise)}).blocked());
  // quoted-printable as well
  auto qp = "From: a@example.test\r\nMIME-Version: 1.0\r\nContent-Type: application/octet-stream; name=x.bin\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n#!/bin/sh=0D\r\n" + std::string(300000, 'a') + "\r\n";
  auto p = shipped();
  p.content.insert(Content::script);
  EXPECT_TRUE(check_attachments(qp, p).blocked());
}

TEST(Attachments, ArchiveCutOffByTheScannedPartIsNotDamaged) {
  std::string zip = make_archive({{"setup.exe", "x"}, {"big.bin", std::string(200000, 'z')}}, "zip", "", "zip:compression=store");
  std::string msg = message({named("big.zip", zip)});
  std::string head = msg.substr(0, msg.size() / 2);
  // whole: fine but for the exe; cut in the middle: the exe listed before the cut still counts
  auto whole = check_attachments(msg, shipped());
  ASSERT_EQ(whole.findings.size(), 1u) << findings(whole);
  auto cut = check_attachments(head, shipped(), true);
  ASSERT_EQ(cut.findings.size(), 1u) << findings(cut);
  EXPECT_EQ(describe(cut.findings[0]), "big.zip/setup.exe: extension .exe");
  // without the exe: nothing; unless the caller does not say the message was cut
  msg = message({named("big.zip", make_archive({{"big.bin", std::string(200000, 'z')}}, "zip", "", "zip:compression=store"))});
  head = msg.substr(0, msg.size() / 2);
  EXPECT_FALSE(check_attachments(head, shipped(), true).blocked());
  auto damaged = check_attachments(head, shipped());
  ASSERT_TRUE(damaged.blocked());
  EXPECT_EQ(damaged.findings[0].why, Why::unscannable);
}
