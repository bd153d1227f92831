/* meta.properties: write, read back, refuse what lode cannot use. */
#include <stdio.h>

#include "core/err.h"
#include "core/uuid.h"
#include "storage/checkpoint.h"
#include "storage/meta_props.h"
#include "test.h"

TEST(meta_props_roundtrip_and_errors)
{
    char dir[512], path[1024], err[512];
    snprintf(dir, sizeof dir, "%s/data", lode_test_tmpdir());
    lode_meta_props_t mp = {.node_id = 3, .has_directory_id = true};
    snprintf(mp.cluster_id, sizeof mp.cluster_id, "MkU3OEVBNTcwNTJENDM2Qk");
    lode_uuid_random(mp.directory_id);
    lode_meta_props_t back;
    CHECK_EQ(lode_meta_props_read(dir, &back, err, sizeof err), LODE_ENOTFOUND);
    REQUIRE(lode_meta_props_write(dir, &mp) == 0);
    REQUIRE(lode_meta_props_read(dir, &back, err, sizeof err) == 0);
    CHECK_STREQ(back.cluster_id, "MkU3OEVBNTcwNTJENDM2Qk");
    CHECK_EQ(back.node_id, 3);
    CHECK(back.has_directory_id && !memcmp(back.directory_id, mp.directory_id, 16));
    snprintf(path, sizeof path, "%s/meta.properties", dir);
    const char *bad[] = {
        "broker.id=1\nversion=0\ncluster.id=abc\n", /* ZooKeeper era */
        "version=1\nnode.id=1\n",                   /* no cluster id */
        "version=1\ncluster.id=abc\n",              /* no node id */
        "version=1\ncluster.id=abc\nnode.id=x\n",
        "version=1\ncluster.id=abc\nnode.id=1\ndirectory.id=nope\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        REQUIRE(lode_write_file_atomic(path, bad[i], strlen(bad[i])) == 0);
        err[0] = 0;
        CHECK_EQ(lode_meta_props_read(dir, &back, err, sizeof err), LODE_EINVAL);
        CHECK(strstr(err, "meta.properties") != NULL);
    }
    /* Kafka's own file (with its comment header) reads fine */
    const char *kafka =
        "#\n#Thu Nov 21 10:00:00 UTC 2026\nnode.id=1\n"
        "directory.id=ABEiM0RVZneImaq7zN3u_w\nversion=1\ncluster.id=q1Sh-9_ISia_zwGINzRvyQ\n";
    REQUIRE(lode_write_file_atomic(path, kafka, strlen(kafka)) == 0);
    REQUIRE(lode_meta_props_read(dir, &back, err, sizeof err) == 0);
    CHECK_STREQ(back.cluster_id, "q1Sh-9_ISia_zwGINzRvyQ");
}

TEST(meta_props_ensure_formats_once_and_checks_identity)
{
    char a[512], b[512], err[512], cid[64], cid2[64];
    snprintf(a, sizeof a, "%s/a", lode_test_tmpdir());
    snprintf(b, sizeof b, "%s/b", lode_test_tmpdir());
    const char *dirs[] = {a, b};
    bool formatted;
    CHECK_EQ(lode_meta_props_ensure(dirs, 2, 1, false, cid, &formatted, err, sizeof err),
             LODE_EINVAL);
    CHECK(strstr(err, "lode storage format") != NULL);
    REQUIRE(lode_meta_props_ensure(dirs, 2, 1, true, cid, &formatted, err, sizeof err) == 0);
    CHECK(formatted && strlen(cid) == 22);
    REQUIRE(lode_meta_props_ensure(dirs, 2, 1, true, cid2, &formatted, err, sizeof err) == 0);
    CHECK(!formatted);
    CHECK_STREQ(cid, cid2);
    CHECK_EQ(lode_meta_props_ensure(dirs, 2, 2, true, cid2, &formatted, err, sizeof err),
             LODE_EINVAL); /* another node's data */
    CHECK(strstr(err, "does not match") != NULL);
}
