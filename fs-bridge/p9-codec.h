/* 9P2000.L wire codec: one message at a time between bytes and struct lxs_p9_msg.
 *
 * Wire format (little-endian): size[4] type[1] tag[2] body, where size counts the whole message;
 * strings are len[2] bytes (no NUL on the wire), qids are type[1] version[4] path[8].
 *
 * Decoding trusts nothing: every length is checked against the message, strings holding a NUL
 * are refused, a walk carries at most LXS_P9_MAXWELEM names, a message may not exceed the
 * negotiated msize, read/readdir counts must fit an answer within msize, write data and readdir
 * entries must lie entirely inside the message, and trailing bytes are refused.
 *
 * Zero copy: decoded strings and data (struct lxs_p9_str, struct lxs_p9_data) point into the
 * buffer given to lxs_p9_decode and are valid only while that buffer is; strings are NOT
 * NUL-terminated. When encoding, data whose pointer already equals its place in the output
 * buffer is not copied, so a server can read file data straight into its reply.
 *
 * Nothing here allocates, prints or touches the filesystem. */
#ifndef LXS_P9_CODEC_H
#define LXS_P9_CODEC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Message types (the values of Linux's include/net/9p/9p.h). Tlerror does not exist: errors
 * only travel as Rlerror. */
enum lxs_p9_type {
        LXS_P9_RLERROR = 7,
        LXS_P9_TSTATFS = 8,
        LXS_P9_RSTATFS = 9,
        LXS_P9_TLOPEN = 12,
        LXS_P9_RLOPEN = 13,
        LXS_P9_TLCREATE = 14,
        LXS_P9_RLCREATE = 15,
        LXS_P9_TSYMLINK = 16,
        LXS_P9_RSYMLINK = 17,
        LXS_P9_TMKNOD = 18,
        LXS_P9_RMKNOD = 19,
        LXS_P9_TRENAME = 20,
        LXS_P9_RRENAME = 21,
        LXS_P9_TREADLINK = 22,
        LXS_P9_RREADLINK = 23,
        LXS_P9_TGETATTR = 24,
        LXS_P9_RGETATTR = 25,
        LXS_P9_TSETATTR = 26,
        LXS_P9_RSETATTR = 27,
        LXS_P9_TXATTRWALK = 30,
        LXS_P9_TXATTRCREATE = 32,
        LXS_P9_TREADDIR = 40,
        LXS_P9_RREADDIR = 41,
        LXS_P9_TFSYNC = 50,
        LXS_P9_RFSYNC = 51,
        LXS_P9_TLOCK = 52,
        LXS_P9_TGETLOCK = 54,
        LXS_P9_TLINK = 70,
        LXS_P9_RLINK = 71,
        LXS_P9_TMKDIR = 72,
        LXS_P9_RMKDIR = 73,
        LXS_P9_TRENAMEAT = 74,
        LXS_P9_RRENAMEAT = 75,
        LXS_P9_TUNLINKAT = 76,
        LXS_P9_RUNLINKAT = 77,
        LXS_P9_TVERSION = 100,
        LXS_P9_RVERSION = 101,
        LXS_P9_TAUTH = 102,
        LXS_P9_TATTACH = 104,
        LXS_P9_RATTACH = 105,
        LXS_P9_TFLUSH = 108,
        LXS_P9_RFLUSH = 109,
        LXS_P9_TWALK = 110,
        LXS_P9_RWALK = 111,
        LXS_P9_TREAD = 116,
        LXS_P9_RREAD = 117,
        LXS_P9_TWRITE = 118,
        LXS_P9_RWRITE = 119,
        LXS_P9_TCLUNK = 120,
        LXS_P9_RCLUNK = 121,
        LXS_P9_TREMOVE = 122,
        LXS_P9_RREMOVE = 123,
};

#define LXS_P9_HEADER_SIZE 7u       /* size[4] type[1] tag[2] */
#define LXS_P9_IOHDR_SIZE 11u       /* Rread/Rreaddir header: size type tag count[4] */
#define LXS_P9_MAXWELEM 16u
#define LXS_P9_NOTAG 0xffffu
#define LXS_P9_NOFID 0xffffffffu
#define LXS_P9_QID_SIZE 13u

/* qid.type bits */
#define LXS_P9_QTDIR 0x80u
#define LXS_P9_QTSYMLINK 0x02u
#define LXS_P9_QTFILE 0x00u

/* Tgetattr request_mask / Rgetattr valid bits */
#define LXS_P9_GETATTR_MODE 0x1ull
#define LXS_P9_GETATTR_NLINK 0x2ull
#define LXS_P9_GETATTR_UID 0x4ull
#define LXS_P9_GETATTR_GID 0x8ull
#define LXS_P9_GETATTR_RDEV 0x10ull
#define LXS_P9_GETATTR_ATIME 0x20ull
#define LXS_P9_GETATTR_MTIME 0x40ull
#define LXS_P9_GETATTR_CTIME 0x80ull
#define LXS_P9_GETATTR_INO 0x100ull
#define LXS_P9_GETATTR_SIZE 0x200ull
#define LXS_P9_GETATTR_BLOCKS 0x400ull
#define LXS_P9_GETATTR_BASIC 0x7ffull

/* Tsetattr valid bits */
#define LXS_P9_SETATTR_MODE 0x1u
#define LXS_P9_SETATTR_UID 0x2u
#define LXS_P9_SETATTR_GID 0x4u
#define LXS_P9_SETATTR_SIZE 0x8u
#define LXS_P9_SETATTR_ATIME 0x10u
#define LXS_P9_SETATTR_MTIME 0x20u
#define LXS_P9_SETATTR_CTIME 0x40u
#define LXS_P9_SETATTR_ATIME_SET 0x80u
#define LXS_P9_SETATTR_MTIME_SET 0x100u

/* Tunlinkat flags */
#define LXS_P9_AT_REMOVEDIR 0x200u

/* Tlopen/Tlcreate flags: the x86 Linux open(2) values, fixed by the protocol whatever the
 * architecture either side runs on. */
#define LXS_P9_O_RDONLY 00u
#define LXS_P9_O_WRONLY 01u
#define LXS_P9_O_RDWR 02u
#define LXS_P9_O_NOACCESS 03u
#define LXS_P9_O_ACCMODE 03u
#define LXS_P9_O_CREAT 0100u
#define LXS_P9_O_EXCL 0200u
#define LXS_P9_O_NOCTTY 0400u
#define LXS_P9_O_TRUNC 01000u
#define LXS_P9_O_APPEND 02000u
#define LXS_P9_O_NONBLOCK 04000u
#define LXS_P9_O_DSYNC 010000u
#define LXS_P9_O_FASYNC 020000u
#define LXS_P9_O_DIRECT 040000u
#define LXS_P9_O_LARGEFILE 0100000u
#define LXS_P9_O_DIRECTORY 0200000u
#define LXS_P9_O_NOFOLLOW 0400000u
#define LXS_P9_O_NOATIME 01000000u
#define LXS_P9_O_CLOEXEC 02000000u
#define LXS_P9_O_SYNC 04000000u

struct lxs_p9_qid {
        uint8_t type;
        uint32_t version;
        uint64_t path;
};

/* Not NUL-terminated; see the zero-copy note above. */
struct lxs_p9_str {
        const char *ptr;
        uint16_t len;
};

struct lxs_p9_data {
        const uint8_t *ptr;
        uint32_t len;
};

struct lxs_p9_names {
        uint16_t n;
        struct lxs_p9_str name[LXS_P9_MAXWELEM];
};

struct lxs_p9_qids {
        uint16_t n;
        struct lxs_p9_qid qid[LXS_P9_MAXWELEM];
};

struct lxs_p9_version { uint32_t msize; struct lxs_p9_str version; };
struct lxs_p9_tattach { uint32_t fid, afid; struct lxs_p9_str uname, aname; uint32_t n_uname; };
struct lxs_p9_rqid { struct lxs_p9_qid qid; };
struct lxs_p9_twalk { uint32_t fid, newfid; struct lxs_p9_names wnames; };
struct lxs_p9_rwalk { struct lxs_p9_qids wqids; };
struct lxs_p9_tlopen { uint32_t fid, flags; };
struct lxs_p9_ropen { struct lxs_p9_qid qid; uint32_t iounit; };
struct lxs_p9_tlcreate { uint32_t fid; struct lxs_p9_str name; uint32_t flags, mode, gid; };
struct lxs_p9_tio { uint32_t fid; uint64_t offset; uint32_t count; };
struct lxs_p9_twrite { uint32_t fid; uint64_t offset; struct lxs_p9_data data; };
struct lxs_p9_rdata { struct lxs_p9_data data; };
struct lxs_p9_rwrite { uint32_t count; };
struct lxs_p9_tfid { uint32_t fid; };
struct lxs_p9_tgetattr { uint32_t fid; uint64_t request_mask; };
struct lxs_p9_rgetattr {
        uint64_t valid;
        struct lxs_p9_qid qid;
        uint32_t mode, uid, gid;
        uint64_t nlink, rdev, size, blksize, blocks;
        uint64_t atime_sec, atime_nsec, mtime_sec, mtime_nsec, ctime_sec, ctime_nsec;
        uint64_t btime_sec, btime_nsec, gen, data_version;
};
struct lxs_p9_tsetattr {
        uint32_t fid, valid, mode, uid, gid;
        uint64_t size, atime_sec, atime_nsec, mtime_sec, mtime_nsec;
};
struct lxs_p9_tmkdir { uint32_t dfid; struct lxs_p9_str name; uint32_t mode, gid; };
struct lxs_p9_tsymlink { uint32_t fid; struct lxs_p9_str name, target; uint32_t gid; };
struct lxs_p9_tmknod { uint32_t dfid; struct lxs_p9_str name; uint32_t mode, major, minor, gid; };
struct lxs_p9_rreadlink { struct lxs_p9_str target; };
struct lxs_p9_tlink { uint32_t dfid, fid; struct lxs_p9_str name; };
struct lxs_p9_trenameat {
        uint32_t olddirfid;
        struct lxs_p9_str oldname;
        uint32_t newdirfid;
        struct lxs_p9_str newname;
};
struct lxs_p9_tunlinkat { uint32_t dirfid; struct lxs_p9_str name; uint32_t flags; };
struct lxs_p9_trename { uint32_t fid, dfid; struct lxs_p9_str name; };
struct lxs_p9_rstatfs {
        uint32_t type, bsize;
        uint64_t blocks, bfree, bavail, files, ffree, fsid;
        uint32_t namelen;
};
struct lxs_p9_tfsync { uint32_t fid, datasync; };
struct lxs_p9_tflush { uint16_t oldtag; };
struct lxs_p9_rlerror { uint32_t ecode; };

/* One message. The union member to use follows from `type`; replies without a body (Rclunk,
 * Rsetattr, ...) use none. */
struct lxs_p9_msg {
        uint8_t type;
        uint16_t tag;
        union {
                struct lxs_p9_version version;       /* Tversion, Rversion */
                struct lxs_p9_tattach tattach;
                struct lxs_p9_rqid rqid;             /* Rattach, Rmkdir, Rsymlink, Rmknod */
                struct lxs_p9_twalk twalk;
                struct lxs_p9_rwalk rwalk;
                struct lxs_p9_tlopen tlopen;
                struct lxs_p9_ropen ropen;           /* Rlopen, Rlcreate */
                struct lxs_p9_tlcreate tlcreate;
                struct lxs_p9_tio tio;               /* Tread, Treaddir */
                struct lxs_p9_twrite twrite;
                struct lxs_p9_rdata rdata;           /* Rread, Rreaddir (entries, see below) */
                struct lxs_p9_rwrite rwrite;
                struct lxs_p9_tfid tfid;             /* Tclunk, Tremove, Tstatfs, Treadlink */
                struct lxs_p9_tgetattr tgetattr;
                struct lxs_p9_rgetattr rgetattr;
                struct lxs_p9_tsetattr tsetattr;
                struct lxs_p9_tmkdir tmkdir;
                struct lxs_p9_tsymlink tsymlink;
                struct lxs_p9_tmknod tmknod;
                struct lxs_p9_rreadlink rreadlink;
                struct lxs_p9_tlink tlink;
                struct lxs_p9_trenameat trenameat;
                struct lxs_p9_tunlinkat tunlinkat;
                struct lxs_p9_trename trename;
                struct lxs_p9_rstatfs rstatfs;
                struct lxs_p9_tfsync tfsync;
                struct lxs_p9_tflush tflush;
                struct lxs_p9_rlerror rlerror;
        } u;
};

/* Length of the message at the start of buf: its size (7..max) when at least its size field
 * is there, -EAGAIN when fewer than 4 bytes are, -EBADMSG when the size is below 7 and
 * -EMSGSIZE when it exceeds max. The stream cannot be resynchronised after either error. */
ssize_t lxs_p9_frame_len(const uint8_t *buf, size_t len, uint32_t max);

/* Decodes the message at the start of buf (len bytes available) for a session whose msize is
 * `msize`. Returns the bytes consumed (the message size) or a negative errno:
 *   -EAGAIN      the message is not complete yet
 *   -EBADMSG     framing broken (size < 7) or body malformed
 *   -EMSGSIZE    size above msize, or a read/readdir count whose answer would not fit msize
 *   -EOPNOTSUPP  well-framed message of a type this codec does not know
 * On -EBADMSG/-EMSGSIZE/-EOPNOTSUPP with an intact size field, out->type and out->tag are set,
 * so a server can answer with Rlerror and carry on: the stream is still in sync when
 * lxs_p9_frame_len() accepted the size. Pointers in *out refer into buf. */
ssize_t lxs_p9_decode(const uint8_t *buf, size_t len, uint32_t msize, struct lxs_p9_msg *out);

/* Encodes m into buf; returns its length, -EMSGSIZE when cap is too small, -EINVAL for an
 * unknown type or a field that cannot be encoded (more than LXS_P9_MAXWELEM names/qids). */
ssize_t lxs_p9_encode(const struct lxs_p9_msg *m, uint8_t *buf, size_t cap);

/* 1 when type is a message this codec encodes and decodes. */
int lxs_p9_type_known(uint8_t type);

/* Readdir entries (the data of Rreaddir): qid[13] offset[8] type[1] name[s]. */
struct lxs_p9_dirent {
        struct lxs_p9_qid qid;
        uint64_t offset;  /* where a following Treaddir resumes, after this entry */
        uint8_t type;     /* DT_* of the entry */
        struct lxs_p9_str name;
};

/* Appends one entry at buf; its size, or 0 when it does not fit cap. */
size_t lxs_p9_dirent_put(uint8_t *buf, size_t cap, const struct lxs_p9_dirent *d);

/* Takes the next entry from *data (consumed as it goes): 1 with *d set, 0 at the end,
 * -EBADMSG when the bytes are not a whole entry. Names point into the data. */
int lxs_p9_dirent_next(struct lxs_p9_data *data, struct lxs_p9_dirent *d);

#endif
