/* Tests for core/props.h. Expected values marked "Java" were produced
 * offline with OpenJDK 17.0.15: a throwaway program loaded the same bytes
 * with java.util.Properties.load(InputStream) (LATIN1 mode) and
 * load(new InputStreamReader(in, UTF_8)) (UTF8 mode) and printed every
 * key/value as UTF-8 bytes (String.getBytes(UTF_8)); typed values were
 * printed with Integer.parseInt / Long.parseLong / Double.parseDouble of
 * value.trim(), and lists with Pattern.compile("\\s*,\\s*").split(trimmed, -1),
 * as Kafka's ConfigDef.parseType does. */
#include <math.h>
#include <stdlib.h>

#include "core/err.h"
#include "core/props.h"
#include "test.h"

static void load_ok(lode_props_t *p, const char *text, size_t len, unsigned flags)
{
    char err[128] = "";
    int rc = lode_props_load_buf(p, text, len, flags, err, sizeof err);
    if (rc != 0)
        lode_test_fail_at(__FILE__, __LINE__, "load failed: %d %s", rc, err);
}

#define LOAD(p, lit, flags) load_ok((p), (lit), sizeof(lit) - 1, (flags))

static void expect_val(const lode_props_t *p, const char *key, size_t key_len, const char *val,
                       size_t val_len, int line)
{
    size_t n = 0;
    const char *v = lode_props_get_len(p, key, key_len, &n);
    if (!v) {
        lode_test_fail_at(__FILE__, line, "key [%.*s] missing", (int)key_len, key);
        return;
    }
    if (n != val_len || memcmp(v, val, n) != 0)
        lode_test_fail_at(__FILE__, line, "key [%.*s]: got [%.*s] want [%.*s]", (int)key_len, key,
                          (int)n, v, (int)val_len, val);
}

/* key and value as string literals (may contain \0) */
#define EXPECT(p, k, v) expect_val((p), (k), sizeof(k) - 1, (v), sizeof(v) - 1, __LINE__)

TEST(props_separators_and_whitespace)
{
    lode_props_t p;
    lode_props_init(&p);
    LOAD(&p,
         "key1=value1\n"
         "key2:value2\n"
         "key3 value3\n"
         "key4   =   value4\n"
         "key5 : : colon-in-value\n"
         "key6==eq\n"
         "\ttab.key\ttab value\n"
         "   leading.ws = trailing ws kept   \n"
         "justkey\n"
         "empty.key=\n"
         "   \n"
         "\n",
         LODE_PROPS_UTF8);
    EXPECT(&p, "key1", "value1");
    EXPECT(&p, "key2", "value2");
    EXPECT(&p, "key3", "value3");
    EXPECT(&p, "key4", "value4");
    EXPECT(&p, "key5", ": colon-in-value");
    EXPECT(&p, "key6", "=eq");
    EXPECT(&p, "tab.key", "tab value");
    EXPECT(&p, "leading.ws", "trailing ws kept   ");
    EXPECT(&p, "justkey", "");
    EXPECT(&p, "empty.key", "");
    CHECK_EQ(lode_props_count(&p), 10);
    lode_props_free(&p);
}

TEST(props_comments)
{
    lode_props_t p;
    lode_props_init(&p);
    LOAD(&p,
         "# comment \\\n" /* a comment's trailing backslash does not continue it */
         "! bang comment\n"
         "   # indented comment\n"
         "hash.mid = a # not a comment\n"
         "excl=!x\n"
         "\\#hash=h\n"
         "\\!bang=b\n",
         LODE_PROPS_UTF8);
    EXPECT(&p, "hash.mid", "a # not a comment");
    EXPECT(&p, "excl", "!x");
    EXPECT(&p, "#hash", "h");
    EXPECT(&p, "!bang", "b");
    CHECK_EQ(lode_props_count(&p), 4);
    lode_props_free(&p);
}

TEST(props_continuations)
{
    lode_props_t p;
    lode_props_init(&p);
    LOAD(&p,
         "multi = first \\\n"
         "        second \\\n"
         "   third\n"
         "multi2 = a\\\\\n"    /* even backslashes: no continuation */
         "multi2b = b\\\\\\\n" /* odd: continuation, value b\c */
         "    c\n"
         "cont.blank = x\\\n" /* a blank continuation line ends the line */
         "\n"
         "after.blank = y\n"
         "key\\\n"
         "  =v\n"
         "cr2=b\\\r   c\r\n"
         "last=end\\", /* trailing backslash at EOF is dropped */
         LODE_PROPS_UTF8);
    EXPECT(&p, "multi", "first second third");
    EXPECT(&p, "multi2", "a\\");
    EXPECT(&p, "multi2b", "b\\c");
    EXPECT(&p, "cont.blank", "x");
    EXPECT(&p, "after.blank", "y");
    EXPECT(&p, "key", "v");
    EXPECT(&p, "cr2", "bc");
    EXPECT(&p, "last", "end");
    CHECK_EQ(lode_props_count(&p), 8);
    lode_props_free(&p);
}

TEST(props_line_endings)
{
    lode_props_t p;
    lode_props_init(&p);
    LOAD(&p, "cr1=a\rcr3=d\r\ncrlf=1\r\n\r\nlf=2\n\rz=3", LODE_PROPS_UTF8);
    EXPECT(&p, "cr1", "a");
    EXPECT(&p, "cr3", "d");
    EXPECT(&p, "crlf", "1");
    EXPECT(&p, "lf", "2");
    EXPECT(&p, "z", "3");
    CHECK_EQ(lode_props_count(&p), 5);
    lode_props_free(&p);
}

TEST(props_escapes)
{
    lode_props_t p;
    lode_props_init(&p);
    LOAD(&p,
         "esc=a\\tb\\nc\\rd\\fe\\\\f\\qg\n"
         "key\\ with\\ spaces = v\n"
         "key\\=eq\\:colon=x\\=y\n"
         "k\\ \\ =v2\n"
         " \\u0041\\u0042=AB\n"
         "nul=a\\u0000b\n"
         "uni=caf\\u00e9 \\u65e5\\u672c \\ud83d\\ude00 lone\\ud83d! low\\ude00.\n"
         "x=\\ud83d\\ude00\\ud83d\n"
         "low=\\udc00\\ud800\\udc00\n",
         LODE_PROPS_UTF8);
    EXPECT(&p, "esc", "a\tb\nc\rd\fe\\fqg");
    EXPECT(&p, "key with spaces", "v");
    EXPECT(&p, "key=eq:colon", "x=y");
    EXPECT(&p, "k  ", "v2");
    EXPECT(&p, "AB", "AB");
    EXPECT(&p, "nul", "a\0b");
    /* Java: unpaired surrogates are written as '?' by getBytes(UTF_8) */
    EXPECT(&p, "uni", "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80 lone?! low?.");
    EXPECT(&p, "x", "\xf0\x9f\x98\x80?");
    EXPECT(&p, "low", "?\xf0\x90\x80\x80");
    CHECK_STREQ(lode_props_get(&p, "nul"), "a"); /* C-string view stops at NUL */
    lode_props_free(&p);
}

TEST(props_duplicates_and_order)
{
    lode_props_t p;
    lode_props_init(&p);
    LOAD(&p, "b=1\na=2\nb=3\n:colonkey\n=eqkey\nc=4\n", LODE_PROPS_UTF8);
    EXPECT(&p, "b", "3");
    EXPECT(&p, "", "eqkey");
    size_t it = 0;
    const char *k, *v;
    const char *order[] = {"b", "a", "", "c"};
    int i = 0;
    while (lode_props_next(&p, &it, &k, &v)) {
        REQUIRE(i < 4);
        CHECK_STREQ(k, order[i]);
        i++;
    }
    CHECK_EQ(i, 4);
    lode_props_free(&p);
}

TEST(props_no_expansion)
{
    lode_props_t p;
    lode_props_init(&p);
    LOAD(&p, "dollar=${env:HOME} ${x}\n", LODE_PROPS_UTF8);
    EXPECT(&p, "dollar", "${env:HOME} ${x}");
    lode_props_free(&p);
}

/* Odd corners of LineReader (Java): a lone backslash at EOF is the empty key
 * with the empty value; after a line that is only a backslash the next line
 * still counts as the start of a logical line, so '#' makes it a comment. */
TEST(props_linereader_corners)
{
    lode_props_t p;
    lode_props_init(&p);
    LOAD(&p, "\\", LODE_PROPS_UTF8);
    CHECK_EQ(lode_props_count(&p), 1);
    EXPECT(&p, "", "");
    lode_props_free(&p);

    lode_props_init(&p);
    LOAD(&p, "\\\n#notcomment=1\nx=1\n", LODE_PROPS_UTF8);
    CHECK_EQ(lode_props_count(&p), 1);
    EXPECT(&p, "x", "1");
    lode_props_free(&p);

    lode_props_init(&p);
    LOAD(&p, "key=\\\n\\\n\\\nz\n", LODE_PROPS_UTF8);
    EXPECT(&p, "key", "z");
    lode_props_free(&p);

    lode_props_init(&p);
    LOAD(&p, "", LODE_PROPS_UTF8);
    LOAD(&p, "# only a comment", LODE_PROPS_UTF8);
    LOAD(&p, "  \n\t\n", LODE_PROPS_UTF8);
    CHECK_EQ(lode_props_count(&p), 0);
    lode_props_free(&p);
}

TEST(props_encodings)
{
    static const char text[] = "raw.utf8=caf\xc3\xa9\nraw.latin=\xe9t\xe9\n";
    lode_props_t p;
    lode_props_init(&p);
    LOAD(&p, text, LODE_PROPS_LATIN1);
    /* Java load(InputStream): every byte is one ISO-8859-1 char */
    EXPECT(&p, "raw.utf8", "caf\xc3\x83\xc2\xa9");
    EXPECT(&p, "raw.latin", "\xc3\xa9t\xc3\xa9");
    lode_props_free(&p);

    lode_props_init(&p);
    LOAD(&p, text, LODE_PROPS_UTF8);
    /* Java load(UTF-8 Reader): malformed bytes become U+FFFD */
    EXPECT(&p, "raw.utf8", "caf\xc3\xa9");
    EXPECT(&p, "raw.latin", "\xef\xbf\xbdt\xef\xbf\xbd");
    lode_props_free(&p);
}

TEST(props_malformed_unicode_escape)
{
    static const struct {
        const char *text;
        const char *msg;
    } v[] = {
        {"a=1\nb=2\r\nc=\\\n  \\u12zz\n", "line 3: malformed \\uxxxx encoding"},
        {"ok=1\nbad=\\u00e", "line 2: malformed \\uxxxx encoding"},
        {"\\uXYZW=1", "line 1: malformed \\uxxxx encoding"},
        {"# c\r\rk\\u=1", "line 3: malformed \\uxxxx encoding"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        lode_props_t p;
        lode_props_init(&p);
        lode_props_set(&p, "pre", "existing");
        char err[128] = "";
        CHECK_EQ(
            lode_props_load_buf(&p, v[i].text, strlen(v[i].text), LODE_PROPS_UTF8, err, sizeof err),
            LODE_EINVAL);
        CHECK_STREQ(err, v[i].msg);
        /* all or nothing */
        CHECK_EQ(lode_props_count(&p), 1);
        CHECK_STREQ(lode_props_get(&p, "pre"), "existing");
        lode_props_free(&p);
    }
}

/* The whole tricky file at once, both modes, against Java's output. */
TEST(props_tricky_file_matches_java)
{
    static const char text[] = "# comment line \\\n"
                               "! bang comment\n"
                               "   leading.ws = value with trailing ws   \n"
                               "key5 : : colon-in-value\n"
                               "key\\=eq\\:colon=x\\=y\n"
                               "esc=a\\tb\\nc\\rd\\fe\\\\f\\qg\n"
                               "multi = first \\\n"
                               "        second \\\n"
                               "   third\n"
                               "dup=one\n"
                               "dup=two\n"
                               "cont.blank = x\\\n"
                               "\n"
                               "after.blank = y\n"
                               ":colonkey\n"
                               "=eqkey\n"
                               "cr1=a\rcr2=b\\\r   c\r\ncr3=d\r\n"
                               "raw.utf8=caf\xc3\xa9\n"
                               "last=end\\";
    const char *path = lode_test_tmpdir();
    char file[512];
    snprintf(file, sizeof file, "%s/tricky.properties", path);
    FILE *f = fopen(file, "wb");
    REQUIRE(f);
    fwrite(text, 1, sizeof text - 1, f);
    fclose(f);

    for (int mode = 0; mode < 2; mode++) {
        lode_props_t p;
        lode_props_init(&p);
        char err[256] = "";
        CHECK_EQ(lode_props_load_file(&p, file, mode ? LODE_PROPS_LATIN1 : LODE_PROPS_UTF8, err,
                                      sizeof err),
                 0);
        CHECK_EQ(lode_props_count(&p), 14); /* Java: count=14 */
        EXPECT(&p, "leading.ws", "value with trailing ws   ");
        EXPECT(&p, "key5", ": colon-in-value");
        EXPECT(&p, "key=eq:colon", "x=y");
        EXPECT(&p, "esc", "a\tb\nc\rd\fe\\fqg");
        EXPECT(&p, "multi", "first second third");
        EXPECT(&p, "dup", "two");
        EXPECT(&p, "cont.blank", "x");
        EXPECT(&p, "after.blank", "y");
        EXPECT(&p, "", "eqkey");
        EXPECT(&p, "cr1", "a");
        EXPECT(&p, "cr2", "bc");
        EXPECT(&p, "cr3", "d");
        EXPECT(&p, "last", "end");
        if (mode == 0)
            EXPECT(&p, "raw.utf8", "caf\xc3\xa9");
        else
            EXPECT(&p, "raw.utf8", "caf\xc3\x83\xc2\xa9");
        lode_props_free(&p);
    }
}

TEST(props_load_file_errors)
{
    lode_props_t p;
    lode_props_init(&p);
    char err[256] = "";
    CHECK_EQ(lode_props_load_file(&p, "/nonexistent/dir/x.properties", 0, err, sizeof err),
             LODE_EIO);
    CHECK(strstr(err, "/nonexistent/dir/x.properties") != NULL);
    char file[512];
    snprintf(file, sizeof file, "%s/bad.properties", lode_test_tmpdir());
    FILE *f = fopen(file, "wb");
    REQUIRE(f);
    fputs("a=1\nb=\\u12\n", f);
    fclose(f);
    CHECK_EQ(lode_props_load_file(&p, file, 0, err, sizeof err), LODE_EINVAL);
    CHECK(strstr(err, "bad.properties: line 2: malformed") != NULL);
    CHECK_EQ(lode_props_count(&p), 0);
    lode_props_free(&p);
}

TEST(props_set_override_remove)
{
    lode_props_t p;
    lode_props_init(&p);
    LOAD(&p, "a=1\nb=2\n", LODE_PROPS_UTF8);
    lode_props_set_override(&p, "a=x=y");
    lode_props_set_override(&p, "c");
    lode_props_set_override(&p, "d=");
    lode_props_set_override(&p, "=e");
    lode_props_set(&p, "b", "3");
    CHECK_STREQ(lode_props_get(&p, "a"), "x=y");
    CHECK_STREQ(lode_props_get(&p, "b"), "3");
    CHECK_STREQ(lode_props_get(&p, "c"), "");
    CHECK_STREQ(lode_props_get(&p, "d"), "");
    CHECK_STREQ(lode_props_get(&p, ""), "e");
    CHECK_STREQ(lode_props_get_or(&p, "zz", "dflt"), "dflt");
    CHECK_STREQ(lode_props_get_or(&p, "a", "dflt"), "x=y");
    CHECK(lode_props_get(&p, "zz") == NULL);
    CHECK(lode_props_remove(&p, "a"));
    CHECK(!lode_props_remove(&p, "a"));
    CHECK(lode_props_get(&p, "a") == NULL);
    CHECK_EQ(lode_props_count(&p), 4);
    lode_props_free(&p);
}

TEST(props_typed_ints)
{
    static const struct {
        const char *s;
        int rc32;
        int32_t v32;
        int rc64;
        int64_t v64;
    } v[] = {
        /* Java: Integer.parseInt / Long.parseLong of s.trim() */
        {"42", 0, 42, 0, 42},
        {" 42 ", 0, 42, 0, 42},
        {"+7", 0, 7, 0, 7},
        {"-0", 0, 0, 0, 0},
        {"-2147483648", 0, INT32_MIN, 0, INT32_MIN},
        {"2147483647", 0, INT32_MAX, 0, INT32_MAX},
        {"2147483648", LODE_ERANGE, 0, 0, 2147483648LL},
        {"-2147483649", LODE_ERANGE, 0, 0, -2147483649LL},
        {"", LODE_EINVAL, 0, LODE_EINVAL, 0},
        {"+", LODE_EINVAL, 0, LODE_EINVAL, 0},
        {"-", LODE_EINVAL, 0, LODE_EINVAL, 0},
        {"1_000", LODE_EINVAL, 0, LODE_EINVAL, 0},
        {"0x10", LODE_EINVAL, 0, LODE_EINVAL, 0},
        {"1 2", LODE_EINVAL, 0, LODE_EINVAL, 0},
        {"\t-5\n", 0, -5, 0, -5},
        {"007", 0, 7, 0, 7},
        {"9223372036854775807", LODE_ERANGE, 0, 0, INT64_MAX},
        {"-9223372036854775808", LODE_ERANGE, 0, 0, INT64_MIN},
        {"9223372036854775808", LODE_ERANGE, 0, LODE_ERANGE, 0},
        {"99999999999999999999x", LODE_EINVAL, 0, LODE_EINVAL, 0},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        int32_t a = 12345;
        int64_t b = 12345;
        int rc = lode_parse_java_int32(v[i].s, strlen(v[i].s), &a);
        CHECK_EQ(rc, v[i].rc32);
        CHECK_EQ(a, rc == 0 ? v[i].v32 : 12345);
        rc = lode_parse_java_int64(v[i].s, strlen(v[i].s), &b);
        CHECK_EQ(rc, v[i].rc64);
        if (rc == 0)
            CHECK(b == v[i].v64);
    }
    lode_props_t p;
    lode_props_init(&p);
    LOAD(&p, "n=  17 \nbad=x\nbig=5000000000\n", LODE_PROPS_UTF8);
    int32_t x = 0;
    int64_t y = 0;
    CHECK_EQ(lode_props_get_int32(&p, "n", 1, &x), 0);
    CHECK_EQ(x, 17);
    CHECK_EQ(lode_props_get_int32(&p, "absent", 99, &x), 0);
    CHECK_EQ(x, 99);
    CHECK_EQ(lode_props_get_int32(&p, "bad", 1, &x), LODE_EINVAL);
    CHECK_EQ(lode_props_get_int32(&p, "big", 1, &x), LODE_ERANGE);
    CHECK_EQ(lode_props_get_int64(&p, "big", 1, &y), 0);
    CHECK(y == 5000000000LL);
    CHECK_EQ(lode_props_get_int64(&p, "absent", -1, &y), 0);
    CHECK(y == -1);
    lode_props_free(&p);
}

TEST(props_typed_bool)
{
    bool b = false;
    CHECK_EQ(lode_parse_java_bool("true", 4, &b), 0);
    CHECK(b);
    CHECK_EQ(lode_parse_java_bool(" FaLsE\t", 7, &b), 0);
    CHECK(!b);
    CHECK_EQ(lode_parse_java_bool("TRUE", 4, &b), 0);
    CHECK(b);
    CHECK_EQ(lode_parse_java_bool("yes", 3, &b), LODE_EINVAL);
    CHECK_EQ(lode_parse_java_bool("1", 1, &b), LODE_EINVAL);
    CHECK_EQ(lode_parse_java_bool("", 0, &b), LODE_EINVAL);
    CHECK_EQ(lode_parse_java_bool("truex", 5, &b), LODE_EINVAL);
    lode_props_t p;
    lode_props_init(&p);
    LOAD(&p, "auto.create.topics.enable = false\n", LODE_PROPS_UTF8);
    b = true;
    CHECK_EQ(lode_props_get_bool(&p, "auto.create.topics.enable", true, &b), 0);
    CHECK(!b);
    CHECK_EQ(lode_props_get_bool(&p, "absent", true, &b), 0);
    CHECK(b);
    lode_props_free(&p);
}

TEST(props_typed_double)
{
    static const struct {
        const char *s;
        int rc;
        double v; /* Java's result; NAN checked with isnan */
    } v[] = {
        {"1.5", 0, 1.5},
        {" -2.5e3 ", 0, -2500.0},
        {".5", 0, 0.5},
        {"5.", 0, 5.0},
        {"1e", LODE_EINVAL, 0},
        {"1e+", LODE_EINVAL, 0},
        {"1e-2", 0, 0.01},
        {"NaN", 0, NAN},
        {"-Infinity", 0, -INFINITY},
        {"+NaN", 0, NAN},
        {"inf", LODE_EINVAL, 0},
        {"nan", LODE_EINVAL, 0},
        {"Infinity", 0, INFINITY},
        {"0x1p3", 0, 8.0},
        {"0x1.8p1", 0, 3.0},
        {"0x10", LODE_EINVAL, 0},
        {"1.5f", 0, 1.5},
        {"2d", 0, 2.0},
        {"1e400", 0, INFINITY},
        {"1e-400", 0, 0.0},
        {"", LODE_EINVAL, 0},
        {".", LODE_EINVAL, 0},
        {"+.e1", LODE_EINVAL, 0},
        {"1.0e5D", 0, 100000.0},
        {"0X.8P0", 0, 0.5},
        {"1,5", LODE_EINVAL, 0},
        {"1.5 x", LODE_EINVAL, 0},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        double d = 123;
        int rc = lode_parse_java_double(v[i].s, strlen(v[i].s), &d);
        if (rc != v[i].rc) {
            lode_test_fail_at(__FILE__, __LINE__, "[%s]: rc %d want %d", v[i].s, rc, v[i].rc);
            continue;
        }
        if (rc == 0 && !(isnan(v[i].v) ? isnan(d) : d == v[i].v))
            lode_test_fail_at(__FILE__, __LINE__, "[%s]: %g want %g", v[i].s, d, v[i].v);
    }
    lode_props_t p;
    lode_props_init(&p);
    LOAD(&p, "ratio=0.5\n", LODE_PROPS_UTF8);
    double d = 0;
    CHECK_EQ(lode_props_get_double(&p, "ratio", 1.0, &d), 0);
    CHECK(d == 0.5);
    CHECK_EQ(lode_props_get_double(&p, "absent", 0.25, &d), 0);
    CHECK(d == 0.25);
    lode_props_free(&p);
}

static void check_list(const char *s, size_t n, const char *const *want, int line)
{
    lode_strlist_t l;
    lode_parse_kafka_list(s, strlen(s), &l);
    if (l.count != n) {
        lode_test_fail_at(__FILE__, line, "[%s]: %zu items, want %zu", s, l.count, n);
    } else {
        for (size_t i = 0; i < n; i++)
            if (strcmp(l.items[i], want[i]) != 0)
                lode_test_fail_at(__FILE__, line, "[%s] item %zu: [%s] want [%s]", s, i, l.items[i],
                                  want[i]);
    }
    lode_strlist_free(&l);
}

#define LIST(s, ...)                                                                               \
    do {                                                                                           \
        static const char *const w_[] = {__VA_ARGS__};                                             \
        check_list((s), sizeof w_ / sizeof w_[0], w_, __LINE__);                                   \
    } while (0)

TEST(props_typed_list)
{
    /* Java: Kafka ConfigDef LIST parsing */
    LIST("a,b,c", "a", "b", "c");
    LIST(" a , b ,c ", "a", "b", "c");
    LIST("a,,b", "a", "", "b");
    LIST("a,", "a", "");
    LIST(",a", "", "a");
    LIST("a ,\t, b", "a", "", "b");
    LIST("one", "one");
    LIST("x y, z", "x y", "z");
    lode_strlist_t l;
    lode_parse_kafka_list("", 0, &l);
    CHECK_EQ(l.count, 0);
    lode_strlist_free(&l);
    lode_parse_kafka_list("  ", 2, &l);
    CHECK_EQ(l.count, 0);
    lode_strlist_free(&l);

    lode_props_t p;
    lode_props_init(&p);
    LOAD(&p, "listeners=PLAINTEXT://:9092, CONTROLLER://:9093\n", LODE_PROPS_UTF8);
    CHECK_EQ(lode_props_get_list(&p, "listeners", NULL, &l), 0);
    REQUIRE(l.count == 2);
    CHECK_STREQ(l.items[0], "PLAINTEXT://:9092");
    CHECK_STREQ(l.items[1], "CONTROLLER://:9093");
    lode_strlist_free(&l);
    CHECK_EQ(lode_props_get_list(&p, "absent", "x,y", &l), 0);
    CHECK_EQ(l.count, 2);
    lode_strlist_free(&l);
    CHECK_EQ(lode_props_get_list(&p, "absent", NULL, &l), 0);
    CHECK_EQ(l.count, 0);
    lode_strlist_free(&l);
    lode_props_free(&p);
}

/* Random garbage must never crash or leak (ASan), whatever it parses to. */
TEST(props_random_input_is_safe)
{
    uint64_t rng = lode_test_seed();
    static const char alphabet[] = "ab=: \t\f\\\\\\#!\r\n\nu0fF9\xc3\xa9\xed\xf0";
    char buf[256];
    for (int i = 0; i < 3000; i++) {
        size_t n = (size_t)(lode_test_rand(&rng) % sizeof buf);
        for (size_t j = 0; j < n; j++)
            buf[j] = alphabet[lode_test_rand(&rng) % (sizeof alphabet - 1)];
        lode_props_t p;
        lode_props_init(&p);
        char err[64];
        int rc = lode_props_load_buf(&p, buf, n, (unsigned)(i & 1), err, sizeof err);
        CHECK(rc == 0 || rc == LODE_EINVAL);
        lode_props_free(&p);
    }
}
