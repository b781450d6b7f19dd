/* <scsi/sg.h> for newlib on the reference kernel: the Linux SCSI generic ioctl interface (struct sg_io_hdr,
   SG_IO and its constants), laid out as the x86_64 Linux ABI. The kernel has no SCSI devices; programs
   (fio's sg engine) compile and an SG_IO ioctl fails as on a file that is not an sg device. */
#ifndef RP_COMPAT_SCSI_SG_H
#define RP_COMPAT_SCSI_SG_H
typedef struct sg_io_hdr {
	int interface_id;             /* 'S' */
	int dxfer_direction;          /* SG_DXFER_* */
	unsigned char cmd_len;
	unsigned char mx_sb_len;
	unsigned short iovec_count;
	unsigned int dxfer_len;
	void *dxferp;
	unsigned char *cmdp;
	unsigned char *sbp;
	unsigned int timeout;         /* milliseconds */
	unsigned int flags;           /* SG_FLAG_* */
	int pack_id;
	void *usr_ptr;
	unsigned char status;
	unsigned char masked_status;
	unsigned char msg_status;
	unsigned char sb_len_wr;
	unsigned short host_status;
	unsigned short driver_status;
	int resid;
	unsigned int duration;
	unsigned int info;            /* SG_INFO_* */
} sg_io_hdr_t;
_Static_assert(sizeof(struct sg_io_hdr) == 88, "struct sg_io_hdr is 88 bytes on x86_64 Linux");
#define SG_DXFER_NONE (-1)
#define SG_DXFER_TO_DEV (-2)
#define SG_DXFER_FROM_DEV (-3)
#define SG_DXFER_TO_FROM_DEV (-4)
#define SG_FLAG_DIRECT_IO 1
#define SG_FLAG_UNUSED_LUN_INHIBIT 2
#define SG_FLAG_MMAP_IO 4
#define SG_FLAG_NO_DXFER 0x10000
#define SG_INFO_OK_MASK 0x1
#define SG_INFO_OK 0x0
#define SG_INFO_CHECK 0x1
#define SG_INFO_DIRECT_IO_MASK 0x6
#define SG_INFO_INDIRECT_IO 0x0
#define SG_INFO_DIRECT_IO 0x2
#define SG_INFO_MIXED_IO 0x4
#define SG_EMULATED_HOST 0x2203
#define SG_SET_RESERVED_SIZE 0x2275
#define SG_GET_RESERVED_SIZE 0x2272
#define SG_GET_SCSI_ID 0x2276
#define SG_GET_VERSION_NUM 0x2282
#define SG_IO 0x2285
#define SG_DEFAULT_TIMEOUT (60 * 100)
#endif
