/* cmd_keys.c: `fwhub keygen`: a signing key pair, and its public key trusted by a repository. */
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cli/cli.h"
#include "core/fsutil.h"
#include "crypto/sign.h"

#define PRIVATE_NAME "private.pem"
#define PUBLIC_NAME  "public.pem"

static const char usage[] =
    "Usage: fwhub keygen [--type ecdsa-p256|ed25519] --out DIR [--repo REPO]\n"
    "\n"
    "Makes a signing key pair: DIR/private.pem (mode 0600) and DIR/public.pem, and prints\n"
    "the key id, the SHA-256 of the public key's DER form. Existing files are never\n"
    "overwritten. Keep the private key outside the repository.\n"
    "\n"
    "  --type T     ecdsa-p256 (default: what ESP32's mbedTLS and OCPP signed firmware\n"
    "               verify) or ed25519\n"
    "  --out DIR    where the two files go (created when missing)\n"
    "  --repo REPO  also trust the key in REPO: copies the public key to\n"
    "               REPO/keys/<key id>.pem, where 'fwhub verify' and devices' key lists\n"
    "               come from (give it after 'keygen')\n"
    "  -h, --help   this text\n"
    "\n"
    "Example:\n"
    "  fwhub keygen --out ~/fwhub-keys --repo /srv/fwhub\n"
    "  fwhub sign --key ~/fwhub-keys/private.pem --repo /srv/fwhub\n";

enum { OPT_TYPE = OPT_FIRST_OWN, OPT_OUT };

static const struct option options[] = {
    {"type", required_argument, NULL, OPT_TYPE},
    {"out", required_argument, NULL, OPT_OUT},
    {"repo", required_argument, NULL, OPT_REPO},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

struct keygen {
    enum sign_alg alg;
    const char *out;
    bool to_repo;
    char private_path[CLI_PATH_MAX], public_path[CLI_PATH_MAX], trusted_path[CLI_PATH_MAX];
};

static int parse(struct cli *cli, int argc, char **argv, struct keygen *kg)
{
    struct fw_err err;
    int c, rc;

    cli_getopt_reset();
    while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
        rc = cli_common_opt(cli, c, argv, usage);
        if (c == OPT_REPO && rc == CLI_NEXT)
            kg->to_repo = true;
        if (rc == CLI_NEXT)
            continue;
        if (rc != CLI_MINE)
            return rc;
        if (c == OPT_TYPE && sign_alg_parse(optarg, &kg->alg, &err) < 0)
            return cli_usage(cli, "--type: %s", err.msg);
        if (c == OPT_OUT)
            kg->out = optarg;
    }
    if (!kg->out || !kg->out[0])
        return cli_usage(cli, "--out: required: the folder for the key files");
    return cli_no_more_args(cli, argc, argv, 0);
}

/* Refuses before anything is made when a key file is there already. */
static int check_free(struct keygen *kg)
{
    if (fs_join(kg->private_path, sizeof(kg->private_path), kg->out, PRIVATE_NAME) != 0 ||
        fs_join(kg->public_path, sizeof(kg->public_path), kg->out, PUBLIC_NAME) != 0)
        return cli_fail("%s: path too long", kg->out);
    if (cli_exists(kg->private_path))
        return cli_fail("%s exists already; keygen never overwrites a key", kg->private_path);
    if (cli_exists(kg->public_path))
        return cli_fail("%s exists already; keygen never overwrites a key", kg->public_path);
    return CLI_OK;
}

/* True when dir is inside repo (both resolved): a private key there would be published. */
static bool inside(const char *dir, const char *repo)
{
    char d[PATH_MAX], r[PATH_MAX];
    size_t n;

    if (!realpath(dir, d) || !realpath(repo, r))
        return false;
    n = strlen(r);
    return strncmp(d, r, n) == 0 && (d[n] == '\0' || d[n] == '/');
}

/* Copies the public key into REPO/keys/<id>.pem. */
static int trust(const struct cli *cli, struct keygen *kg, const struct sign_key *k,
                 const char *pub, size_t len)
{
    char dir[CLI_PATH_MAX], name[SIGN_KEY_ID_HEX + 8];
    struct fw_err err;

    snprintf(name, sizeof(name), "%s.pem", sign_key_id_hex(k));
    if (cli_path(dir, sizeof(dir), cli->repo, "keys") < 0 ||
        cli_path(kg->trusted_path, sizeof(kg->trusted_path), dir, name) < 0)
        return CLI_FAIL;
    if (fs_mkdirs(dir, &err) < 0 || fs_write_atomic(kg->trusted_path, pub, len, 0644, &err) < 0)
        return cli_fail("%s", err.msg);
    return CLI_OK;
}

static int write_keys(const struct cli *cli, struct keygen *kg, const struct sign_key *k)
{
    char *priv = NULL, *pub = NULL;
    size_t plen = 0, len = 0;
    struct fw_err err;
    int rc = CLI_FAIL;

    if (sign_key_pem(k, true, &priv, &plen, &err) < 0 ||
        sign_key_pem(k, false, &pub, &len, &err) < 0 || fs_mkdirs(kg->out, &err) < 0 ||
        fs_write_atomic(kg->private_path, priv, plen, 0600, &err) < 0 ||
        fs_write_atomic(kg->public_path, pub, len, 0644, &err) < 0) {
        cli_fail("%s", err.msg);
        goto out;
    }
    rc = kg->to_repo ? trust(cli, kg, k, pub, len) : CLI_OK;
out:
    if (priv)
        OPENSSL_cleanse(priv, plen);
    free(priv);
    free(pub);
    return rc;
}

int cmd_keygen(struct cli *cli, int argc, char **argv)
{
    struct keygen kg = {.alg = SIGN_ECDSA_P256};
    struct sign_key *k = NULL;
    struct fw_err err;
    int rc = parse(cli, argc, argv, &kg);

    if (rc != CLI_OK)
        return rc == CLI_HELP ? CLI_OK : rc;
    rc = check_free(&kg);
    if (rc != CLI_OK)
        return rc;
    if (sign_key_generate(kg.alg, &k, &err) < 0)
        return cli_fail("%s", err.msg);
    rc = write_keys(cli, &kg, k);
    if (rc == CLI_OK) {
        printf("key id   %s\n", sign_key_id_hex(k));
        printf("type     %s\n", sign_alg_name(kg.alg));
        printf("private  %s (mode 0600)\n", kg.private_path);
        printf("public   %s\n", kg.public_path);
        if (kg.to_repo)
            printf("trusted  %s\n", kg.trusted_path);
        if (kg.to_repo && inside(kg.out, cli->repo))
            cli_warn("the private key is inside the repository %s; move it out before the "
                     "repository is published or synced",
                     cli->repo);
    }
    sign_key_free(k);
    return rc;
}
