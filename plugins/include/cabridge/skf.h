/* GM/T 0016-2012 SKF ("smart cryptographic key application interface"): the types, structures,
 * constants and calls cabridge uses, written from the specification's text. Shared by the software
 * SKF library the tests use (tests/softskf) and by an SKF plugin, so both agree on every byte.
 *
 * Widths: the specification's ULONG is 32 bits in the Linux SDKs of the field (unsigned int, not
 * `unsigned long`), BOOL is a 32-bit int, handles are pointers. A vendor library built with a
 * 64-bit ULONG needs a different binding; a plugin should make that a descriptor setting rather
 * than trust this header for a foreign library.
 * Structures are packed to 1 byte. 256-bit ECC values sit right-aligned in 64-byte fields
 * (bytes 32..63), big-endian. On Windows the calls are __stdcall (SKF_API). */
#ifndef CABRIDGE_SKF_H
#define CABRIDGE_SKF_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define SKF_API __stdcall
#else
#define SKF_API
#endif

typedef uint8_t BYTE;
typedef char CHAR;
typedef int32_t BOOL;
typedef uint32_t ULONG;
typedef char *LPSTR;
typedef void *HANDLE;
typedef HANDLE DEVHANDLE;
typedef HANDLE HAPPLICATION;
typedef HANDLE HCONTAINER;

#ifndef TRUE
#define TRUE 1
#endif
#ifndef FALSE
#define FALSE 0
#endif

/* Result codes (SAR_*). */
#define SAR_OK 0x00000000u
#define SAR_FAIL 0x0A000001u
#define SAR_UNKNOWNERR 0x0A000002u
#define SAR_NOTSUPPORTYETERR 0x0A000003u
#define SAR_FILEERR 0x0A000004u
#define SAR_INVALIDHANDLEERR 0x0A000005u
#define SAR_INVALIDPARAMERR 0x0A000006u
#define SAR_READFILEERR 0x0A000007u
#define SAR_WRITEFILEERR 0x0A000008u
#define SAR_NAMELENERR 0x0A000009u
#define SAR_KEYUSAGEERR 0x0A00000Au
#define SAR_MODULUSLENERR 0x0A00000Bu
#define SAR_NOTINITIALIZEERR 0x0A00000Cu
#define SAR_OBJERR 0x0A00000Du
#define SAR_MEMORYERR 0x0A00000Eu
#define SAR_TIMEOUTERR 0x0A00000Fu
#define SAR_INDATALENERR 0x0A000010u
#define SAR_INDATAERR 0x0A000011u
#define SAR_GENRANDERR 0x0A000012u
#define SAR_HASHOBJERR 0x0A000013u
#define SAR_HASHERR 0x0A000014u
#define SAR_GENRSAKEYERR 0x0A000015u
#define SAR_RSAMODULUSLENERR 0x0A000016u
#define SAR_CSPIMPRTPUBKEYERR 0x0A000017u
#define SAR_RSAENCERR 0x0A000018u
#define SAR_RSADECERR 0x0A000019u
#define SAR_HASHNOTEQUALERR 0x0A00001Au
#define SAR_KEYNOTFOUNTERR 0x0A00001Bu /* sic: the specification's spelling */
#define SAR_CERTNOTFOUNTERR 0x0A00001Cu
#define SAR_NOTEXPORTERR 0x0A00001Du
#define SAR_DECRYPTPADERR 0x0A00001Eu
#define SAR_MACLENERR 0x0A00001Fu
#define SAR_BUFFER_TOO_SMALL 0x0A000020u
#define SAR_KEYINFOTYPEERR 0x0A000021u
#define SAR_NOT_EVENTERR 0x0A000022u
#define SAR_DEVICE_REMOVED 0x0A000023u
#define SAR_PIN_INCORRECT 0x0A000024u
#define SAR_PIN_LOCKED 0x0A000025u
#define SAR_PIN_INVALID 0x0A000026u
#define SAR_PIN_LEN_RANGE 0x0A000027u
#define SAR_USER_ALREADY_LOGGED_IN 0x0A000028u
#define SAR_USER_PIN_NOT_INITIALIZED 0x0A000029u
#define SAR_USER_TYPE_INVALID 0x0A00002Au
#define SAR_APPLICATION_NAME_INVALID 0x0A00002Bu
#define SAR_APPLICATION_EXISTS 0x0A00002Cu
#define SAR_USER_NOT_LOGGED_IN 0x0A00002Du
#define SAR_APPLICATION_NOT_EXISTS 0x0A00002Eu
#define SAR_FILE_ALREADY_EXIST 0x0A00002Fu
#define SAR_NO_ROOM 0x0A000030u
#define SAR_FILE_NOT_EXIST 0x0A000031u

/* PIN types. */
#define ADMIN_TYPE 0u
#define USER_TYPE 1u

/* SKF_GetDevState. */
#define DEV_ABSENT_STATE 0x00000000u
#define DEV_PRESENT_STATE 0x00000001u
#define DEV_UNKNOW_STATE 0x00000010u

/* SKF_GetContainerType. */
#define SKF_CONTAINER_EMPTY 0u
#define SKF_CONTAINER_RSA 1u
#define SKF_CONTAINER_ECC 2u

/* Algorithm identifiers that agree across the headers in the field. The SM2 ones do not: one
 * family numbers SGD_SM2 0x00020100, SGD_SM2_1 (signature) 0x00020200, SGD_SM2_2 0x00020400,
 * SGD_SM2_3 0x00020800; the other SGD_SM2_1 0x00020100, SGD_SM2_2 0x00020200, SGD_SM2_3
 * 0x00020400. Both are spelled out here; which one a vendor library speaks is a per-vendor
 * setting. */
#define SGD_SM3 0x00000001u
#define SGD_SHA1 0x00000002u
#define SGD_SHA256 0x00000004u
#define SGD_RSA 0x00010000u
#define SGD_SM3_SM2 0x00020101u
#define SKF_SGD_FAMILY_A_SM2 0x00020100u
#define SKF_SGD_FAMILY_A_SM2_1 0x00020200u
#define SKF_SGD_FAMILY_A_SM2_2 0x00020400u
#define SKF_SGD_FAMILY_A_SM2_3 0x00020800u
#define SKF_SGD_FAMILY_B_SM2_1 0x00020100u
#define SKF_SGD_FAMILY_B_SM2_2 0x00020200u
#define SKF_SGD_FAMILY_B_SM2_3 0x00020400u

#define MAX_RSA_MODULUS_LEN 256
#define MAX_RSA_EXPONENT_LEN 4
#define ECC_MAX_XCOORDINATE_BITS_LEN 512
#define ECC_MAX_YCOORDINATE_BITS_LEN 512
#define ECC_MAX_MODULUS_BITS_LEN 512

#pragma pack(push, 1)

typedef struct Struct_Version {
    BYTE major;
    BYTE minor;
} VERSION;

/* SKF_GetDevInfo. Strings are NUL-terminated inside their fields. 294 bytes. */
typedef struct Struct_DEVINFO {
    VERSION Version;
    CHAR Manufacturer[64];
    CHAR Issuer[64];
    CHAR Label[32];
    CHAR SerialNumber[32];
    VERSION HWVersion;
    VERSION FirmwareVersion;
    ULONG AlgSymCap;
    ULONG AlgAsymCap;
    ULONG AlgHashCap;
    ULONG DevAuthAlgId;
    ULONG TotalSpace;
    ULONG FreeSpace;
    ULONG MaxECCBufferSize;
    ULONG MaxBufferSize;
    BYTE Reserved[64];
} DEVINFO, *PDEVINFO;

/* RSA public key: modulus big-endian, right-aligned in Modulus (a 2048-bit key fills it);
 * PublicExponent big-endian (65537 = 00 01 00 01). 268 bytes. */
typedef struct Struct_RSAPUBLICKEYBLOB {
    ULONG AlgID;
    ULONG BitLen;
    BYTE Modulus[MAX_RSA_MODULUS_LEN];
    BYTE PublicExponent[MAX_RSA_EXPONENT_LEN];
} RSAPUBLICKEYBLOB, *PRSAPUBLICKEYBLOB;

/* ECC (SM2) public key: BitLen 256, X and Y right-aligned. 132 bytes. */
typedef struct Struct_ECCPUBLICKEYBLOB {
    ULONG BitLen;
    BYTE XCoordinate[ECC_MAX_XCOORDINATE_BITS_LEN / 8];
    BYTE YCoordinate[ECC_MAX_YCOORDINATE_BITS_LEN / 8];
} ECCPUBLICKEYBLOB, *PECCPUBLICKEYBLOB;

/* ECC (SM2) signature (r, s), each right-aligned. 128 bytes. */
typedef struct Struct_ECCSIGNATUREBLOB {
    BYTE r[ECC_MAX_XCOORDINATE_BITS_LEN / 8];
    BYTE s[ECC_MAX_XCOORDINATE_BITS_LEN / 8];
} ECCSIGNATUREBLOB, *PECCSIGNATUREBLOB;

#pragma pack(pop)

/* The calls. Name lists (SKF_EnumDev, SKF_EnumApplication, SKF_EnumContainer) are multi-strings:
 * each name ends with a NUL and the list with one more NUL. With a NULL list the call stores the
 * size the list needs in *pulSize and returns SAR_OK; with a buffer smaller than that it returns
 * SAR_BUFFER_TOO_SMALL and the size needed. SKF_ExportCertificate and SKF_ExportPublicKey follow
 * the same size-query convention for their output. */
ULONG SKF_API SKF_EnumDev(BOOL bPresent, LPSTR szNameList, ULONG *pulSize);
ULONG SKF_API SKF_ConnectDev(LPSTR szName, DEVHANDLE *phDev);
ULONG SKF_API SKF_DisConnectDev(DEVHANDLE hDev);
ULONG SKF_API SKF_GetDevState(LPSTR szDevName, ULONG *pulDevState);
ULONG SKF_API SKF_GetDevInfo(DEVHANDLE hDev, DEVINFO *pDevInfo);
ULONG SKF_API SKF_GenRandom(DEVHANDLE hDev, BYTE *pbRandom, ULONG ulRandomLen);

ULONG SKF_API SKF_EnumApplication(DEVHANDLE hDev, LPSTR szAppName, ULONG *pulSize);
ULONG SKF_API SKF_OpenApplication(DEVHANDLE hDev, LPSTR szAppName, HAPPLICATION *phApplication);
ULONG SKF_API SKF_CloseApplication(HAPPLICATION hApplication);

/* PIN calls. *pulRetryCount is the number of tries left for the PIN concerned (for
 * SKF_UnblockPIN: the administrator PIN's). */
ULONG SKF_API SKF_GetPINInfo(HAPPLICATION hApplication, ULONG ulPINType, ULONG *pulMaxRetryCount,
                             ULONG *pulRemainRetryCount, BOOL *pbDefaultPin);
ULONG SKF_API SKF_VerifyPIN(HAPPLICATION hApplication, ULONG ulPINType, LPSTR szPIN, ULONG *pulRetryCount);
ULONG SKF_API SKF_ChangePIN(HAPPLICATION hApplication, ULONG ulPINType, LPSTR szOldPin, LPSTR szNewPin,
                            ULONG *pulRetryCount);
ULONG SKF_API SKF_UnblockPIN(HAPPLICATION hApplication, LPSTR szAdminPIN, LPSTR szNewUserPIN, ULONG *pulRetryCount);
ULONG SKF_API SKF_ClearSecureState(HAPPLICATION hApplication);

ULONG SKF_API SKF_EnumContainer(HAPPLICATION hApplication, LPSTR szContainerName, ULONG *pulSize);
/* Enrolment: a new, empty container (needs the user PIN), and the removal of one with its keys
 * and certificates. */
ULONG SKF_API SKF_CreateContainer(HAPPLICATION hApplication, LPSTR szContainerName, HCONTAINER *phContainer);
ULONG SKF_API SKF_DeleteContainer(HAPPLICATION hApplication, LPSTR szContainerName);
ULONG SKF_API SKF_OpenContainer(HAPPLICATION hApplication, LPSTR szContainerName, HCONTAINER *phContainer);
ULONG SKF_API SKF_CloseContainer(HCONTAINER hContainer);
ULONG SKF_API SKF_GetContainerType(HCONTAINER hContainer, ULONG *pulContainerType);

/* bSignFlag TRUE: the signing certificate / key; FALSE: the encryption one. */
ULONG SKF_API SKF_ImportCertificate(HCONTAINER hContainer, BOOL bSignFlag, BYTE *pbCert, ULONG ulCertLen);
ULONG SKF_API SKF_ExportCertificate(HCONTAINER hContainer, BOOL bSignFlag, BYTE *pbCert, ULONG *pulCertLen);
ULONG SKF_API SKF_ExportPublicKey(HCONTAINER hContainer, BOOL bSignFlag, BYTE *pbBlob, ULONG *pulBlobLen);

ULONG SKF_API SKF_GenRSAKeyPair(HCONTAINER hContainer, ULONG ulBitsLen, RSAPUBLICKEYBLOB *pBlob);
/* PKCS#1 v1.5 signature (block type 1) over pbData as given: the caller passes the DigestInfo
 * (or whatever the relying party expects); the key does not hash. */
ULONG SKF_API SKF_RSASignData(HCONTAINER hContainer, BYTE *pbData, ULONG ulDataLen, BYTE *pbSignature,
                              ULONG *pulSignLen);
ULONG SKF_API SKF_GenECCKeyPair(HCONTAINER hContainer, ULONG ulAlgId, ECCPUBLICKEYBLOB *pBlob);
/* SM2 signature over the 32-byte digest e = SM3(Z || M) as given; the key does not hash. */
ULONG SKF_API SKF_ECCSignData(HCONTAINER hContainer, BYTE *pbDigest, ULONG ulDigestLen, PECCSIGNATUREBLOB pSignature);

#ifdef __cplusplus
}
#endif

#endif /* CABRIDGE_SKF_H */
