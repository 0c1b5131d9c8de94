/* Protocol constants and the frame <-> protobuf glue used by every lxs channel.
 *
 * Decoders here check the bounds that protobuf-c cannot know (stream numbers, chunk sizes,
 * argument counts); a message that fails them is treated exactly like an undecodable one.
 * Returns negative errno / NULL + errno; nothing prints. */
#ifndef LXS_PROTOCOL_H
#define LXS_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "guest.pb-c.h"
#include "service.pb-c.h"

#define LXS_GUEST_PROTOCOL_VERSION 4u
#define LXS_SERVICE_PROTOCOL_VERSION 2u

/* Largest StreamData payload a sender may put in one message. */
#define LXS_STREAM_CHUNK (256u * 1024u)
/* Credit each side has for each stream when a session starts. */
#define LXS_STREAM_INITIAL_CREDIT (1024u * 1024u)
/* Bounds on ExecStart/ExecRequest. */
#define LXS_EXEC_MAX_ARGS 4096u
#define LXS_EXEC_MAX_ENV 4096u
#define LXS_STRING_MAX 65536u
/* Distro names (the registry's rule; the decoders check only the length). */
#define LXS_DISTRO_NAME_MAX 64u
#define LXS_DISTRO_MAX_WARNINGS 64u
#define LXS_MAX_RUNNING_DISTROS 64u
/* Host folders in HelloAck; a share's host path is at most LXS_SHARE_PATH_MAX bytes. */
#define LXS_SHARES_MAX 8u
/* Ports one ListeningPorts may name; more are not forwarded. */
#define LXS_LISTENING_PORTS_MAX 1024u

/* ExecStart/ExecRequest.image_tool: the only program of the guest image a session may run
 * (installed in the initramfs as /lib/lxs/lxs-9p-server). */
#define LXS_IMAGE_TOOL_9P_SERVER "lxs-9p-server"

#define LXS_SHARE_PATH_MAX 4095u

/* Session ids the guest picks for HostExecStart have this bit; the host's never do. */
#define LXS_HOST_EXEC_ID_BIT 0x80000000u
/* HelloAck.host_programs: at most this many names, each a file name of at most 255 bytes. */
#define LXS_HOST_PROGRAMS_MAX 8192u
#define LXS_HOST_PROGRAM_NAME_MAX 255u

/* Name of the virtio-serial port carrying guest.proto. */
#define LXS_CONTROL_PORT_NAME "lxs.control"

/* Packs a message into one frame on the queue. */
int lxs_outq_push_msg(struct lxs_outq *q, const ProtobufCMessage *msg);

/* Unpack and validate; NULL with errno = EBADMSG when malformed or out of bounds.
 * Free with the matching __free_unpacked (or the cleanup helpers below). */
Lxs__Guest__GuestToHost *lxs_guest_to_host_decode(const uint8_t *buf, size_t len);
Lxs__Guest__HostToGuest *lxs_host_to_guest_decode(const uint8_t *buf, size_t len);
Lxs__Service__Request *lxs_request_decode(const uint8_t *buf, size_t len);
Lxs__Service__Reply *lxs_reply_decode(const uint8_t *buf, size_t len);

void lxs_guest_to_host_freep(Lxs__Guest__GuestToHost **m);
void lxs_host_to_guest_freep(Lxs__Guest__HostToGuest **m);
void lxs_request_freep(Lxs__Service__Request **m);
void lxs_reply_freep(Lxs__Service__Reply **m);

#endif
